import { randomUUID } from 'node:crypto';
import { type SearchContext, withStoreEvents } from '../../search-context.ts';
import { bumpCatalogVersion } from '../store-settings/settings-store.ts';
import { enqueueProducts } from './indexing-queue.ts';
import { addToRun } from './indexing-runs.ts';

/**
 * Re-embeds every product of the store that has images, with whatever embedder the
 * store's settings name now, as one 'reindex' run. Until a product is done its vectors
 * of the previous embedder stay in Postgres but no query uses them: searches go to the
 * new embedder's index at once and find the products re-embedded so far.
 */
export async function reindexStore(
  context: Pick<SearchContext, 'outbox'>,
  storeId: string,
): Promise<{ runId: string; queued: number }> {
  const runId = randomUUID();
  return withStoreEvents(context.outbox, storeId, async (trx, emit) => {
    const products = await trx
      .updateTable('search.products')
      .set({ index_state: 'pending', index_error: null, updated_at: new Date() })
      .where('store_id', '=', storeId)
      .where('index_state', '!=', 'no_images')
      .returning('product_id')
      .execute();
    await bumpCatalogVersion(trx, storeId);
    const queued = await enqueueProducts(
      trx,
      emit,
      storeId,
      products.map((row) => row.product_id),
      'embed',
      runId,
    );
    await addToRun(trx, emit, storeId, { runId, source: 'reindex' }, queued);
    return { runId, queued };
  });
}
