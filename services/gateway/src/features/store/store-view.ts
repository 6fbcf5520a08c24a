import type { StoreView } from '@nlyzer/contracts';
import type { Selectable, Transaction } from 'kysely';
import type { CoreTables, StoresTable } from '../../core-tables.ts';

export type StoreRow = Selectable<StoresTable>;

export function toStoreView(row: StoreRow): StoreView {
  return {
    id: row.store_id,
    company: row.company,
    tier: row.tier,
    time_zone: row.time_zone,
    billing_email: row.billing_email,
    platform: row.platform,
    search_confidence_threshold: row.search_confidence_threshold,
    widget_theme: row.widget_theme,
    live_at: row.live_at?.toISOString() ?? null,
    created_at: row.created_at.toISOString(),
  };
}

/** RLS already limits the transaction to one store; the filter keeps the intent readable. */
export function loadStore(trx: Transaction<CoreTables>, storeId: string): Promise<StoreRow | undefined> {
  return trx.selectFrom('core.stores').selectAll().where('store_id', '=', storeId).executeTakeFirst();
}

/**
 * Serialises changes that check a store-wide invariant (seat and key quotas, "at least
 * one owner"): two concurrent requests would otherwise both see the old counts.
 */
export async function lockStore(trx: Transaction<CoreTables>, storeId: string): Promise<void> {
  await trx
    .selectFrom('core.stores')
    .select('store_id')
    .where('store_id', '=', storeId)
    .forUpdate()
    .execute();
}
