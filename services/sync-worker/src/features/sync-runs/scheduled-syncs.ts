import { sql } from 'kysely';
import { type SyncContext, withStoreEvents } from '../../sync-context.ts';
import { queueRun, type SyncMode } from './sync-run-store.ts';

/** Stores looked at per tick; the rest stay due and go at the next tick. */
const STORES_PER_TICK = 5000;
/**
 * Incremental syncs cannot see deletions a platform does not report, nor new bytes behind
 * an unchanged image URL: a store gets a full sync when its last successful one is older
 * than a day.
 */
const FULL_SYNC_EVERY_MS = 24 * 3600_000;

/**
 * The `catalog-sync-tick` job: queues a scheduled run for every connected store with sync
 * enabled whose next sync is due, and moves its next sync an interval on (so a store whose
 * runs keep failing is not queued at every tick; the run's own retries handle outages).
 * Returns how many runs were queued.
 */
export async function queueDueSyncs(context: SyncContext, now: Date): Promise<number> {
  const { rows } = await sql<{ store_id: string }>`
    select store_id from catalog.due_scheduled_syncs(${now}::timestamptz, ${STORES_PER_TICK}::integer)
  `.execute(context.db.kysely);
  let queued = 0;
  for (const { store_id: storeId } of rows) {
    const created = await withStoreEvents(context.outbox, storeId, async (trx, emit) => {
      const due = await trx
        .updateTable('catalog.connections')
        .set({
          next_sync_at: sql<Date>`${now}::timestamptz + make_interval(mins => sync_interval_minutes)`,
          updated_at: now,
        })
        .where('store_id', '=', storeId)
        .where('sync_enabled', '=', true)
        .where('state', '=', 'connected')
        .where('next_sync_at', '<=', now)
        .returning('store_id')
        .executeTakeFirst();
      // Another instance's tick took it meanwhile.
      if (due === undefined) return false;
      const lastFull = await trx
        .selectFrom('catalog.sync_runs')
        .select('finished_at')
        .where('store_id', '=', storeId)
        .where('mode', '=', 'full')
        .where('state', '=', 'succeeded')
        .orderBy('finished_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      const mode: SyncMode =
        lastFull?.finished_at == null ||
        now.getTime() - new Date(lastFull.finished_at).getTime() > FULL_SYNC_EVERY_MS
          ? 'full'
          : 'incremental';
      return (await queueRun(trx, emit, { storeId, trigger: 'schedule', mode })).created;
    });
    if (created) queued += 1;
  }
  return queued;
}
