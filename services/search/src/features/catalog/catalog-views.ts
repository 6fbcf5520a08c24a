import type { CatalogImageView, CatalogProductView } from '@nlyzer/contracts';
import type { Selectable } from 'kysely';
import type { SearchTransaction } from '../../search-context.ts';
import type { ProductImagesTable, ProductsTable } from '../../search-tables.ts';

/** What a merchant sees of a product. */
export const PRODUCT_COLUMNS = [
  'product_id',
  'external_id',
  'title',
  'description',
  'url',
  'price_minor',
  'currency',
  'categories',
  'in_stock',
  'boost',
  'image_sources',
  'style_dna',
  'style_keywords',
  'index_state',
  'index_error',
  'indexed_embedder',
  'created_at',
  'updated_at',
] as const;

export type ProductRow = Pick<Selectable<ProductsTable>, (typeof PRODUCT_COLUMNS)[number]>;

type ImageRow = Pick<
  Selectable<ProductImagesTable>,
  'product_id' | 'position' | 'sha256' | 'width' | 'height'
>;

/** The indexed images of the products, by product id. */
export async function imagesOf(
  trx: SearchTransaction,
  storeId: string,
  productIds: readonly string[],
): Promise<Map<string, ImageRow[]>> {
  const byProduct = new Map<string, ImageRow[]>();
  if (productIds.length === 0) return byProduct;
  const rows = await trx
    .selectFrom('search.product_images')
    .select(['product_id', 'position', 'sha256', 'width', 'height'])
    .where('store_id', '=', storeId)
    .where('product_id', 'in', productIds)
    .execute();
  for (const row of rows) byProduct.set(row.product_id, [...(byProduct.get(row.product_id) ?? []), row]);
  return byProduct;
}

/** The declared images, with what indexing learnt of each (hash, size) once it has run. */
function imageViews(product: ProductRow, indexed: readonly ImageRow[]): CatalogImageView[] {
  return product.image_sources.map((source, position) => {
    const known = indexed.find((image) => image.position === position);
    return {
      position,
      url: 'url' in source ? source.url : null,
      sha256: known?.sha256 ?? ('sha256' in source ? source.sha256 : null),
      width: known?.width ?? null,
      height: known?.height ?? null,
    };
  });
}

export function productView(product: ProductRow, indexed: readonly ImageRow[]): CatalogProductView {
  return {
    product_id: product.product_id,
    external_id: product.external_id,
    title: product.title,
    description: product.description,
    url: product.url,
    price:
      product.price_minor === null || product.currency === null
        ? null
        : { amount_minor: Number(product.price_minor), currency: product.currency },
    categories: product.categories,
    in_stock: product.in_stock,
    boost: product.boost,
    images: imageViews(product, indexed),
    index_state: product.index_state,
    index_error: product.index_error,
    indexed_embedder: product.indexed_embedder,
    style_dna: product.style_dna,
    style_keywords: product.style_keywords,
    created_at: product.created_at.toISOString(),
    updated_at: product.updated_at.toISOString(),
  };
}
