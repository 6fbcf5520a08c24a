import path from 'node:path';
import type { DemoSeed } from '@nlyzer/service-kit';
import type { SearchContext } from '../../search-context.ts';
import { upsertCatalogProducts } from '../catalog/catalog-writes.ts';
import { demoCatalogFiles, demoCatalogProducts, demoShopperPhoto } from './demo-catalog.ts';

/** Enough products to browse and search, few enough to render and index within a minute of `npm start`. */
export const DEMO_PRODUCTS = 120;

/**
 * `nlyzer dev`: the demo store's catalog, generated once into the data folder and
 * upserted through the catalog API's own code (unchanged products are no-ops, so a
 * restart queues nothing). Indexing runs in the background; the banner says where to
 * watch it and which photo to try.
 */
export async function seedDemoCatalog(
  context: Pick<SearchContext, 'config' | 'outbox'>,
  demo: DemoSeed,
  products = DEMO_PRODUCTS,
): Promise<string[]> {
  const { storeId } = demo;
  if (storeId === undefined) return [];
  const files = await demoCatalogFiles(path.resolve(context.config.NLYZER_DATA_DIR, 'demo-catalog'), {
    products,
  });
  let queued = 0;
  for await (const batch of demoCatalogProducts(files)) {
    queued += (await upsertCatalogProducts(context, storeId, batch, { source: 'api' })).queued;
  }
  const photo = await demoShopperPhoto(files, 3);
  return [
    `demo catalog: ${products} generated products${queued > 0 ? `, ${queued} indexing in the background (GET /v1/catalog/indexing)` : ''}`,
    `demo shopper photo: ${photo}`,
  ];
}
