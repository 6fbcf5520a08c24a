import type { App } from '@nlyzer/service-kit';
import {
  createProductIndex,
  type ProductIndex,
  type ProductIndexOptions,
} from '../../indexes/product-index.ts';
import type { SearchContext } from '../../search-context.ts';
import { createIndexingFeature } from '../indexing/indexing-feature.ts';
import { createIndexingWorker, type IndexingWorkerOptions } from '../indexing/indexing-worker.ts';
import { reindexStore } from '../indexing/reindex-store.ts';
import { createCatalogFeature } from './catalog-feature.ts';

export type CatalogIndexingOptions = IndexingWorkerOptions & ProductIndexOptions;

export interface CatalogIndexing {
  /** The vector index as searches must read it (kept current with the catalog). */
  productIndex: ProductIndex;
  /** Re-embeds the store's catalog with its current embedder (after the setting changed). */
  reindexStore(storeId: string): Promise<void>;
}

/**
 * The catalog half of the search service: the catalog and indexing routes, the product
 * index, and the indexing worker, which runs from app ready until close (finishing the
 * products it holds, then writing pending index snapshots).
 */
export async function registerCatalogFeatures(
  app: App,
  context: SearchContext,
  options: CatalogIndexingOptions = {},
): Promise<CatalogIndexing> {
  const productIndex = createProductIndex(context, options);
  const worker = createIndexingWorker(context, productIndex, options);
  app.addHook('onReady', async () => worker.start());
  app.addHook('onClose', async () => {
    await worker.stop();
    await productIndex.flush();
  });
  await app.register(createCatalogFeature({ context, productIndex, wakeIndexing: worker.wake }));
  await app.register(createIndexingFeature(context));
  return {
    productIndex,
    async reindexStore(storeId) {
      await reindexStore(context, storeId);
      worker.wake();
    },
  };
}
