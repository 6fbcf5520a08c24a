import type { ConnectionView, Platform } from '@nlyzer/contracts';
import type { Insertable, Selectable } from 'kysely';
import type { ConnectionsTable } from '../../catalog-tables.ts';
import type { CatalogTransaction } from '../../sync-context.ts';

export type ConnectionRow = Selectable<ConnectionsTable>;

/** What a connect writes: the connection as the merchant just made it (credentials already sealed). */
export interface NewConnection {
  platform: Platform;
  source: string | null;
  storefrontUrl: string | null;
  currency: string | null;
  feedFormat: ConnectionRow['feed_format'];
  credentials: Uint8Array | null;
  webhookSecret: Uint8Array | null;
  webhooks: ConnectionRow['webhooks'];
  syncEnabled: boolean;
}

export async function readConnection(
  trx: CatalogTransaction,
  storeId: string,
): Promise<ConnectionRow | undefined> {
  return trx.selectFrom('catalog.connections').selectAll().where('store_id', '=', storeId).executeTakeFirst();
}

/**
 * Connects the store, replacing whatever it was connected to (another platform included):
 * the sync settings the merchant chose stay, the sync high-water mark starts over.
 */
export async function saveConnection(
  trx: CatalogTransaction,
  storeId: string,
  connection: NewConnection,
  now: Date,
): Promise<ConnectionRow> {
  const fields = {
    platform: connection.platform,
    state: 'connected',
    source: connection.source,
    storefront_url: connection.storefrontUrl,
    currency: currencyCode(connection.currency),
    feed_format: connection.feedFormat,
    credentials: connection.credentials,
    webhook_secret: connection.webhookSecret,
    webhooks: connection.webhooks,
    synced_through: null,
    last_synced_at: null,
    connected_at: now,
    error: null,
    updated_at: now,
  } satisfies Partial<Insertable<ConnectionsTable>>;
  return trx
    .insertInto('catalog.connections')
    .values({ store_id: storeId, ...fields, sync_enabled: connection.syncEnabled })
    .onConflict((oc) =>
      oc.column('store_id').doUpdateSet({ ...fields, sync_enabled: connection.syncEnabled }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
}

export async function updateConnection(
  trx: CatalogTransaction,
  storeId: string,
  changes: Partial<
    Pick<
      ConnectionRow,
      | 'state'
      | 'webhooks'
      | 'sync_enabled'
      | 'sync_interval_minutes'
      | 'next_sync_at'
      | 'error'
      | 'credentials'
      | 'webhook_secret'
    >
  >,
): Promise<ConnectionRow | undefined> {
  return trx
    .updateTable('catalog.connections')
    .set({ ...changes, updated_at: new Date() })
    .where('store_id', '=', storeId)
    .returningAll()
    .executeTakeFirst();
}

/** ISO 4217 as the column keeps it; anything else a platform says is dropped rather than refused. */
function currencyCode(raw: string | null): string | null {
  const code = raw?.trim().toUpperCase() ?? null;
  return code !== null && /^[A-Z]{3}$/.test(code) ? code : null;
}

const iso = (at: Date | null) => (at === null ? null : new Date(at).toISOString());

export function connectionView(row: ConnectionRow): ConnectionView {
  return {
    platform: row.platform,
    state: row.state,
    source: row.source,
    storefront_url: row.storefront_url,
    feed_format: row.feed_format,
    webhooks: row.webhooks,
    sync_enabled: row.sync_enabled,
    sync_interval_minutes: row.sync_interval_minutes,
    last_synced_at: iso(row.last_synced_at),
    next_sync_at: iso(row.next_sync_at),
    connected_at: iso(row.connected_at),
    error: row.error,
  };
}

/**
 * The store stops syncing: credentials dropped, queued and running runs cancelled (a
 * running one notices at its next page). The catalog and its index stay searchable.
 */
export async function disconnectConnection(
  trx: CatalogTransaction,
  storeId: string,
  reason: string | null,
): Promise<ConnectionRow | undefined> {
  const now = new Date();
  const row = await updateConnection(trx, storeId, {
    state: 'disconnected',
    credentials: null,
    webhook_secret: null,
    webhooks: 'none',
    sync_enabled: false,
    next_sync_at: null,
    error: reason,
  });
  await trx
    .updateTable('catalog.sync_runs')
    .set({ state: 'cancelled', phase: 'done', finished_at: now, lease_until: null })
    .where('store_id', '=', storeId)
    .where('state', 'in', ['queued', 'running'])
    .execute();
  return row;
}
