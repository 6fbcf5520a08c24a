import { randomBytes, randomUUID } from 'node:crypto';
import type { Database } from '@nlyzer/db';
import type { DemoSeed, ServiceDeps } from '@nlyzer/service-kit';
import { type GatewayConfig, widgetKeySealerFor } from '../../config.ts';
import { withStoreEvents } from '../../core-transaction.ts';
import { createArgon2Hasher, type PasswordHasher } from '../../passwords.ts';
import { issueApiKey, revokeApiKey } from '../api-keys/api-key-store.ts';
import { SYSTEM_ACTOR } from '../audit-log/audit-trail.ts';
import { findLogin } from '../auth/credential-lookup.ts';
import type { Actor } from '../auth/principal.ts';
import { createStoreWithOwner } from '../signup/create-store.ts';
import { issueWidgetKey, revokeWidgetKey } from '../widget-keys/widget-key-store.ts';

export const DEMO_EMAIL = 'demo@nlyzer.dev';
export const DEMO_COMPANY = 'Demo Boutique';
const DEMO_API_KEY_NAME = 'Demo API key';
/** Where a developer serves a test page: bare localhost and the usual dev-server ports. */
export const DEMO_ORIGINS = [
  'http://localhost',
  'http://localhost:3000',
  'http://localhost:5173',
  'http://localhost:8080',
];

/**
 * `nlyzer dev`: a ready store to click through. Idempotent — the store is created once;
 * its password and keys are rotated on every start because secrets are only ever shown
 * once (nothing stores them in readable form), so each start prints fresh ones.
 */
export async function seedDemoStore(
  deps: Pick<ServiceDeps<GatewayConfig>, 'config' | 'db' | 'outbox'>,
  demo: DemoSeed = {},
  passwords: PasswordHasher = createArgon2Hasher(),
): Promise<string[]> {
  const { config, db, outbox } = deps;
  const password = randomBytes(12).toString('base64url');
  const passwordHash = await passwords.hash(password);
  const existing = await findLogin(db, DEMO_EMAIL);
  const storeId = existing?.store_id ?? randomUUID();
  const ownerId = existing?.user_id ?? randomUUID();
  const actor: Actor = { audit: SYSTEM_ACTOR, accountableUserId: ownerId, ip: null };

  const keys = await withStoreEvents(outbox, storeId, async (trx, emit) => {
    if (existing) {
      await trx
        .updateTable('core.users')
        .set({ password_hash: passwordHash, updated_at: new Date() })
        .where('id', '=', ownerId)
        .execute();
    } else {
      await createStoreWithOwner(
        trx,
        emit,
        {
          storeId,
          ownerId,
          company: DEMO_COMPANY,
          tier: 'growth',
          timeZone: 'UTC',
          email: DEMO_EMAIL,
          passwordHash,
        },
        null,
      );
      await trx
        .updateTable('core.stores')
        .set({ platform: 'custom' })
        .where('store_id', '=', storeId)
        .execute();
      await emit('store.platform_selected', {
        store_id: storeId,
        platform: 'custom',
        selected_by_user_id: ownerId,
      });
    }

    const oldApiKeys = await trx
      .selectFrom('core.api_keys')
      .select('id')
      .where('name', '=', DEMO_API_KEY_NAME)
      .where('revoked_at', 'is', null)
      .execute();
    for (const key of oldApiKeys) await revokeApiKey(trx, emit, storeId, key.id, actor, 'rotated');
    const oldWidgetKeys = await trx
      .selectFrom('core.widget_keys')
      .select(['id', 'allowed_origins'])
      .where('revoked_at', 'is', null)
      .execute();
    for (const key of oldWidgetKeys) {
      if (key.allowed_origins.join(' ') === DEMO_ORIGINS.join(' '))
        await revokeWidgetKey(trx, emit, storeId, key.id, actor);
    }

    const apiKey = await issueApiKey(trx, emit, { storeId, name: DEMO_API_KEY_NAME, role: 'admin' }, actor);
    const widgetKey = await issueWidgetKey(
      trx,
      emit,
      { storeId, tier: 'growth', origins: DEMO_ORIGINS },
      actor,
      widgetKeySealerFor(config),
    );
    return { apiKey: apiKey.key, widgetKey: widgetKey.key };
  });
  demo.storeId = storeId;
  demo.widgetOrigins = DEMO_ORIGINS;

  return [
    `demo store: ${DEMO_COMPANY} (${storeId})`,
    `demo login: ${DEMO_EMAIL} / ${password}`,
    `demo API key: ${keys.apiKey}`,
    `demo widget key: ${keys.widgetKey} (origins: ${DEMO_ORIGINS.join(', ')})`,
  ];
}

/** The demo store `nlyzer dev` seeded on this database, if any (for operator commands like `nlyzer seed catalog`). */
export async function findDemoStoreId(db: Database): Promise<string | undefined> {
  return (await findLogin(db, DEMO_EMAIL))?.store_id;
}
