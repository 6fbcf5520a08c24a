import type { ConsumerHandler } from '@nlyzer/bus';
import type { CatalogTransaction } from '../../sync-context.ts';
import { completeIndexing, type SyncRunHooks } from './run-processor.ts';
import { indexingDone } from './sync-run-store.ts';

/**
 * `catalog.indexing_progress` from search: the event carries the run's totals, so they are
 * taken as they are, never added (a redelivery or an older report changes nothing). A run
 * done fetching whose products search has all indexed (or given up on) is done. Progress
 * of catalog API pushes (run_id null) is search's own business.
 */
export function indexingProgressHandler(hooks: SyncRunHooks): ConsumerHandler<'catalog.indexing_progress'> {
  return async (envelope, { trx, emit }) => {
    const { store_id: storeId, run_id: runId, indexed, failed, total } = envelope.payload;
    if (runId === null) return;
    const catalog = trx as CatalogTransaction;
    const run = await catalog
      .updateTable('catalog.sync_runs')
      .set((eb) => ({
        indexing_indexed: eb.fn('greatest', [eb.ref('indexing_indexed'), eb.val(indexed)]),
        indexing_failed: eb.fn('greatest', [eb.ref('indexing_failed'), eb.val(failed)]),
        indexing_total: eb.fn('greatest', [eb.ref('indexing_total'), eb.val(total)]),
      }))
      .where('store_id', '=', storeId)
      .where('id', '=', runId)
      .returningAll()
      .executeTakeFirst();
    if (run === undefined || run.phase !== 'indexing') return;
    if (indexingDone(run, { indexed, failed, total })) await completeIndexing(catalog, emit, hooks, run);
  };
}
