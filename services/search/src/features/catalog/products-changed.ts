import type { ConsumerHandler } from '@nlyzer/bus';
import { CATALOG_LIMITS } from '@nlyzer/contracts';
import type { SearchTransaction } from '../../search-context.ts';
import { deleteProductsIn, prepareProduct, writeProducts } from './catalog-writes.ts';

/**
 * `catalog.products_changed` from the sync worker: the same upsert and delete as the
 * catalog API, in the consumer's transaction (already scoped to the store), counted in
 * the sync run so `catalog.indexing_progress` can report on it. Deletions first: a batch
 * names each product once, and an upsert is the product's latest state. The indexing
 * worker finds the queued products on its next poll.
 */
export const applyProductsChanged: ConsumerHandler<'catalog.products_changed'> = async (
  envelope,
  { trx, emit },
) => {
  const { store_id: storeId, run_id: runId, upserted, deleted } = envelope.payload;
  const search = trx as SearchTransaction;
  await deleteProductsIn(search, emit, storeId, { productIds: deleted });
  const products = upserted.map((product) =>
    prepareProduct(storeId, {
      productId: product.product_id,
      externalId: product.external_id,
      title: product.title,
      description: product.description,
      url: product.url,
      price:
        product.price === null
          ? null
          : { amountMinor: product.price.amount_minor, currency: product.price.currency },
      categories: product.categories,
      inStock: product.in_stock,
      // Search indexes at most as many images per product as the catalog API accepts.
      images: product.image_urls.slice(0, CATALOG_LIMITS.imagesPerProduct).map((url) => ({ url })),
      imagesChanged: product.changed_images,
    }),
  );
  await writeProducts(search, emit, storeId, products, runId === null ? null : { runId, source: 'sync' });
};
