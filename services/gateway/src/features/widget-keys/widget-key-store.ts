import { randomUUID } from 'node:crypto';
import type { Emit } from '@nlyzer/bus';
import { TIERS, type TierName, type WidgetKeyView } from '@nlyzer/contracts';
import { AppError } from '@nlyzer/service-kit';
import type { Selectable } from 'kysely';
import type { WidgetKeysTable } from '../../core-tables.ts';
import type { CoreTransaction } from '../../core-transaction.ts';
import { issueSecret } from '../../credentials.ts';
import { recordAudit } from '../audit-log/audit-trail.ts';
import type { Actor } from '../auth/principal.ts';
import { lockStore } from '../store/store-view.ts';
import type { WidgetKeySealer } from './widget-key-sealing.ts';

export type WidgetKeyRow = Selectable<WidgetKeysTable>;

export function toWidgetKeyView(row: WidgetKeyRow): WidgetKeyView {
  return {
    id: row.id,
    prefix: row.prefix,
    allowed_origins: row.allowed_origins,
    created_at: row.created_at.toISOString(),
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

/**
 * `origins` must already be normalised (see allowed-origins.ts). Counts against the tier's
 * key quota. The key is stored hashed for lookups and sealed for its snippet.
 */
export async function issueWidgetKey(
  trx: CoreTransaction,
  emit: Emit,
  spec: { storeId: string; tier: TierName; origins: string[] },
  actor: Actor,
  sealer: WidgetKeySealer,
): Promise<{ row: WidgetKeyRow; key: string }> {
  await lockStore(trx, spec.storeId);
  const { active } = await trx
    .selectFrom('core.widget_keys')
    .select((eb) => eb.fn.countAll<number>().as('active'))
    .where('revoked_at', 'is', null)
    .executeTakeFirstOrThrow();
  const quota = TIERS[spec.tier].quotas.widgetKeys;
  if (Number(active) >= quota) {
    throw new AppError('quota_exceeded', `The ${spec.tier} plan includes ${quota} active widget keys`);
  }
  const secret = issueSecret('widgetKey');
  const id = randomUUID();
  const row = await trx
    .insertInto('core.widget_keys')
    .values({
      id,
      store_id: spec.storeId,
      prefix: secret.displayPrefix,
      key_hash: secret.hash,
      key_sealed: sealer.seal(id, secret.value),
      allowed_origins: spec.origins,
      created_by_user_id: actor.accountableUserId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    storeId: spec.storeId,
    actor: actor.audit,
    action: 'widget_key.created',
    target: row.id,
    ip: actor.ip,
    details: { prefix: row.prefix, allowed_origins: spec.origins },
  });
  await emit('widget_key.created', {
    store_id: spec.storeId,
    key_id: row.id,
    prefix: row.prefix,
    allowed_origins: spec.origins,
    by_user_id: actor.accountableUserId,
  });
  return { row, key: secret.value };
}

/** Same contract as revokeApiKey: other stores' ids read as not found, revoking twice is a no-op. */
export async function revokeWidgetKey(
  trx: CoreTransaction,
  emit: Emit,
  storeId: string,
  keyId: string,
  actor: Actor,
): Promise<'revoked' | 'already_revoked' | 'not_found'> {
  const key = await trx
    .selectFrom('core.widget_keys')
    .select(['id', 'prefix', 'allowed_origins', 'revoked_at'])
    .where('id', '=', keyId)
    .forUpdate()
    .executeTakeFirst();
  if (!key) return 'not_found';
  if (key.revoked_at) return 'already_revoked';
  await trx
    .updateTable('core.widget_keys')
    .set({ revoked_at: new Date() })
    .where('id', '=', key.id)
    .execute();
  await recordAudit(trx, {
    storeId,
    actor: actor.audit,
    action: 'widget_key.revoked',
    target: key.id,
    ip: actor.ip,
    details: { prefix: key.prefix },
  });
  await emit('widget_key.revoked', {
    store_id: storeId,
    key_id: key.id,
    prefix: key.prefix,
    allowed_origins: key.allowed_origins,
    by_user_id: actor.accountableUserId,
  });
  return 'revoked';
}
