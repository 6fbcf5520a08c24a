import { type Selectable, sql } from 'kysely';
import type { ImageStatus, ProductImagesTable } from '../../catalog-tables.ts';
import type { CatalogTransaction } from '../../sync-context.ts';
import type { NormalisedProduct } from './normalise-product.ts';

/** Splits a list for events of bounded size. */
export function chunks<T>(items: readonly T[], size = 1000): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export type StoredImage = Pick<
  Selectable<ProductImagesTable>,
  | 'position'
  | 'url'
  | 'sha256'
  | 'width'
  | 'height'
  | 'bytes'
  | 'content_type'
  | 'etag'
  | 'last_modified'
  | 'status'
  | 'error'
>;

export interface StoredProduct {
  productId: string;
  externalId: string;
  contentHash: string;
  seenRunId: string | null;
  images: StoredImage[];
}

/** The stored state of these products (by external id), their images in position order. */
export async function readStoredProducts(
  trx: CatalogTransaction,
  storeId: string,
  externalIds: readonly string[],
): Promise<Map<string, StoredProduct>> {
  const found = new Map<string, StoredProduct>();
  if (externalIds.length === 0) return found;
  const byProductId = new Map<string, StoredProduct>();
  const rows = await trx
    .selectFrom('catalog.products')
    .select(['product_id', 'external_id', 'content_hash', 'seen_run_id'])
    .where('store_id', '=', storeId)
    .where(sql<boolean>`external_id = any(${[...externalIds]}::text[])`)
    .execute();
  for (const row of rows) {
    const product: StoredProduct = {
      productId: row.product_id,
      externalId: row.external_id,
      contentHash: row.content_hash,
      seenRunId: row.seen_run_id,
      images: [],
    };
    found.set(row.external_id, product);
    byProductId.set(row.product_id, product);
  }
  if (byProductId.size === 0) return found;
  const images = await trx
    .selectFrom('catalog.product_images')
    .select([
      'product_id',
      'position',
      'url',
      'sha256',
      'width',
      'height',
      'bytes',
      'content_type',
      'etag',
      'last_modified',
      'status',
      'error',
    ])
    .where('store_id', '=', storeId)
    .where(sql<boolean>`product_id = any(${[...byProductId.keys()]}::uuid[])`)
    .orderBy('product_id')
    .orderBy('position')
    .execute();
  for (const { product_id, ...image } of images) byProductId.get(product_id)?.images.push(image);
  return found;
}

export interface ImageRow {
  url: string;
  status: ImageStatus;
  sha256: string | null;
  width: number | null;
  height: number | null;
  bytes: number | null;
  contentType: string | null;
  etag: string | null;
  lastModified: string | null;
  error: string | null;
}

export interface ProductWrite {
  productId: string;
  product: NormalisedProduct;
  images: ImageRow[];
}

/*
 * Writes go as one JSON parameter expanded by jsonb_to_recordset: a page of products is one
 * statement with one bind value, which PGlite and pg handle several times faster than the
 * thousands of bind values of a multi-row VALUES list.
 */

/** Upserts products and replaces their images, marking them seen by `runId` (webhooks: null, no change). */
export async function writeProducts(
  trx: CatalogTransaction,
  storeId: string,
  writes: readonly ProductWrite[],
  runId: string | null,
): Promise<void> {
  if (writes.length === 0) return;
  const rows = writes.map(({ productId, product }) => ({
    product_id: productId,
    external_id: product.externalId,
    content_hash: product.contentHash,
    title: product.title,
    description: product.description,
    url: product.url,
    price_minor: product.price?.amountMinor ?? null,
    currency: product.price?.currency ?? null,
    availability: product.availability,
    categories: product.categories,
    tags: product.tags,
    variants: product.variants,
    source_updated_at: product.updatedAt,
  }));
  await sql`
    insert into catalog.products (store_id, product_id, external_id, content_hash, title, description, url,
      price_minor, currency, availability, categories, tags, variants, source_updated_at, seen_run_id)
    select ${storeId}::uuid, x.product_id, x.external_id, x.content_hash, x.title, x.description, x.url,
      x.price_minor, x.currency, x.availability,
      array(select jsonb_array_elements_text(x.categories)), array(select jsonb_array_elements_text(x.tags)),
      x.variants, x.source_updated_at, ${runId}::uuid
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(product_id uuid, external_id text,
      content_hash text, title text, description text, url text, price_minor bigint, currency text,
      availability text, categories jsonb, tags jsonb, variants jsonb, source_updated_at timestamptz)
    on conflict (store_id, product_id) do update set
      content_hash = excluded.content_hash, title = excluded.title, description = excluded.description,
      url = excluded.url, price_minor = excluded.price_minor, currency = excluded.currency,
      availability = excluded.availability, categories = excluded.categories, tags = excluded.tags,
      variants = excluded.variants, source_updated_at = excluded.source_updated_at,
      seen_run_id = coalesce(excluded.seen_run_id, catalog.products.seen_run_id), updated_at = now()
  `.execute(trx);
  await replaceImages(trx, storeId, writes);
}

/** Replaces the image rows of these products with what the last inspection found. */
export async function replaceImages(
  trx: CatalogTransaction,
  storeId: string,
  writes: readonly Pick<ProductWrite, 'productId' | 'images'>[],
): Promise<void> {
  if (writes.length === 0) return;
  await trx
    .deleteFrom('catalog.product_images')
    .where('store_id', '=', storeId)
    .where(sql<boolean>`product_id = any(${writes.map((w) => w.productId)}::uuid[])`)
    .execute();
  const rows = writes.flatMap(({ productId, images }) =>
    images.map((image, position) => ({
      product_id: productId,
      position,
      url: image.url,
      sha256: image.sha256,
      width: image.width,
      height: image.height,
      bytes: image.bytes,
      content_type: image.contentType,
      etag: image.etag,
      last_modified: image.lastModified,
      status: image.status,
      error: image.error,
    })),
  );
  if (rows.length === 0) return;
  await sql`
    insert into catalog.product_images (store_id, product_id, position, url, sha256, width, height, bytes,
      content_type, etag, last_modified, status, error, fetched_at)
    select ${storeId}::uuid, x.product_id, x.position, x.url, x.sha256, x.width, x.height, x.bytes,
      x.content_type, x.etag, x.last_modified, x.status, x.error,
      case when x.status = 'pending' then null else now() end
    from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(product_id uuid, position integer, url text,
      sha256 text, width integer, height integer, bytes integer, content_type text, etag text,
      last_modified text, status text, error text)
  `.execute(trx);
}

/** Products a run saw without changing them (unchanged, or rejected this time): a full sync keeps them. */
export async function markSeen(
  trx: CatalogTransaction,
  storeId: string,
  externalIds: readonly string[],
  runId: string,
): Promise<void> {
  if (externalIds.length === 0) return;
  await trx
    .updateTable('catalog.products')
    .set({ seen_run_id: runId })
    .where('store_id', '=', storeId)
    .where(sql<boolean>`external_id = any(${[...externalIds]}::text[])`)
    .execute();
}

export interface RemovedProduct {
  productId: string;
  seenRunId: string | null;
}

/** Deletes by external id (their images cascade); returns what existed. */
export async function deleteProducts(
  trx: CatalogTransaction,
  storeId: string,
  externalIds: readonly string[],
): Promise<RemovedProduct[]> {
  if (externalIds.length === 0) return [];
  const rows = await trx
    .deleteFrom('catalog.products')
    .where('store_id', '=', storeId)
    .where(sql<boolean>`external_id = any(${[...externalIds]}::text[])`)
    .returning(['product_id', 'seen_run_id'])
    .execute();
  return rows.map((row) => ({ productId: row.product_id, seenRunId: row.seen_run_id }));
}

/**
 * A full sync's end: every product of the store this run did not see is gone from the
 * platform, except those written since the run started (a webhook's new product may sit
 * behind the run's position in the listing).
 */
export async function deleteUnseenProducts(
  trx: CatalogTransaction,
  storeId: string,
  runId: string,
  runStartedAt: Date,
): Promise<RemovedProduct[]> {
  const rows = await trx
    .deleteFrom('catalog.products')
    .where('store_id', '=', storeId)
    .where((eb) => eb.or([eb('seen_run_id', 'is', null), eb('seen_run_id', '!=', runId)]))
    .where('updated_at', '<', runStartedAt)
    .returning(['product_id', 'seen_run_id'])
    .execute();
  return rows.map((row) => ({ productId: row.product_id, seenRunId: row.seen_run_id }));
}
