import type { ConsumerHandler } from '@nlyzer/bus';
import type { CatalogTransaction } from '../../sync-context.ts';
import type { SyncRuns } from '../sync-runs/register-sync-runs.ts';
import { readConnection } from './connection-store.ts';

/**
 * `catalog.sync_requested` from the gateway ("Sync now" at the edge): queued like the sync
 * runs route does, for a store with something to pull; a disconnected or push-only store
 * has nothing to run.
 */
export function syncRequestedHandler(syncRuns: SyncRuns): ConsumerHandler<'catalog.sync_requested'> {
  return async (envelope, { trx, emit }) => {
    const { store_id: storeId, trigger, mode } = envelope.payload;
    const catalog = trx as CatalogTransaction;
    const connection = await readConnection(catalog, storeId);
    if (connection?.state !== 'connected' || connection.source === null) return;
    await syncRuns.queueRun(catalog, emit, { storeId, trigger, mode });
  };
}
