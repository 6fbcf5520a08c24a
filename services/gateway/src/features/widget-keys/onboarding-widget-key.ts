import type { ConsumerHandler } from '@nlyzer/bus';
import { WidgetOrigin } from '@nlyzer/contracts';
import { Value } from 'typebox/value';
import type { CoreTransaction } from '../../core-transaction.ts';
import { SYSTEM_ACTOR } from '../audit-log/audit-trail.ts';
import { loadStore, lockStore } from '../store/store-view.ts';
import type { WidgetKeySealer } from './widget-key-sealing.ts';
import { issueWidgetKey } from './widget-key-store.ts';

const widgetOrigin = WidgetOrigin();

/**
 * The origin a widget key can be bound to, from the storefront the sync worker found; none
 * for a URL no browser page could embed the widget from (plain http on a public host).
 */
export function storefrontOrigin(storefrontUrl: string): string | undefined {
  let origin: string;
  try {
    origin = new URL(storefrontUrl).origin;
  } catch {
    return undefined;
  }
  return Value.Check(widgetOrigin, origin) ? origin : undefined;
}

/**
 * `onboarding.catalog_indexed` (workflow 1 step 13): the first import is searchable, so the
 * store gets the widget key its snippet embeds, bound to its storefront, unless it already
 * has an active key (one the merchant made, or this handler's on a redelivery: the store
 * row lock orders concurrent deliveries). Issued through the same path as the API, so the
 * plan's quota, the audit trail (actor: the platform) and `widget_key.created`, which
 * completes the onboarding's snippet step, all apply. The store's first owner is the user
 * answerable for the key. Without a usable storefront the merchant creates the key.
 */
export function createOnboardingWidgetKeyHandler(
  sealer: WidgetKeySealer,
): ConsumerHandler<'onboarding.catalog_indexed'> {
  return async (envelope, { trx: consumerTrx, emit }) => {
    const trx = consumerTrx as CoreTransaction;
    const { store_id: storeId, storefront_url: storefrontUrl } = envelope.payload;
    const origin = storefrontUrl === null ? undefined : storefrontOrigin(storefrontUrl);
    if (!origin) return;

    await lockStore(trx, storeId);
    const store = await loadStore(trx, storeId);
    if (!store) return;
    const activeKey = await trx
      .selectFrom('core.widget_keys')
      .select('id')
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (activeKey) return;
    const owner = await trx
      .selectFrom('core.users')
      .select('id')
      .where('role', '=', 'owner')
      .orderBy('created_at')
      .orderBy('id')
      .executeTakeFirst();
    if (!owner) return;

    await issueWidgetKey(
      trx,
      emit,
      { storeId, tier: store.tier, origins: [origin] },
      { audit: SYSTEM_ACTOR, accountableUserId: owner.id, ip: null },
      sealer,
    );
  };
}
