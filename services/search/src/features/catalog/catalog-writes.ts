import { createHash, randomUUID } from 'node:crypto';
import type { Emit } from '@nlyzer/bus';
import { catalogProductId } from '@nlyzer/contracts';
import { sniffImageFormat } from '@nlyzer/vision';
import type { Insertable } from 'kysely';
import { chunks, removeProductVectors } from '../../indexes/vector-feed.ts';
import { type SearchContext, type SearchTransaction, withStoreEvents } from '../../search-context.ts';
import type { ImageSource, IndexState, ProductsTable } from '../../search-tables.ts';
import { enqueueProducts } from '../indexing/indexing-queue.ts';
import { addToRun, type RunSource } from '../indexing/indexing-runs.ts';
import { bumpCatalogVersion } from '../store-settings/settings-store.ts';
import {
  dropUnreferencedInlineImages,
  type InlineImage,
  inlineHashes,
  storeInlineImages,
} from './inline-images.ts';

/** An image of a catalog product: a URL the worker fetches, or the file itself. */
export type CatalogImage = { url: string } | { data: Uint8Array; contentType?: string };

/** A product as the catalog API, the sync events and the demo seeding hand it in. */
export interface CatalogProduct {
  externalId: string;
  /** The catalog service's id for synced products; API products get one derived from the external id. */
  productId?: string;
  title: string;
  description?: string;
  url?: string | null;
  price?: { amountMinor: number; currency: string } | null;
  categories?: string[];
  inStock?: boolean;
  boost?: number;
  images: CatalogImage[];
  /** New bytes behind unchanged image URLs (the sync worker compares them): embed again. */
  imagesChanged?: boolean;
}

export interface UpsertOptions {
  source: 'api' | 'sync';
  /** The run the queued products count in; an API upsert gets a new one when absent. */
  runId?: string | null;
}

export interface UpsertOutcome {
  runId: string | null;
  /** Products that differed from what the store had (new ones included). */
  changed: number;
  /** Of those, the ones whose images are (re)embedded. */
  queued: number;
}

/** A product turned into its row, image sources and content hash (CPU work done before the transaction). */
export interface PreparedProduct {
  productId: string;
  externalId: string;
  row: Omit<Insertable<ProductsTable>, 'store_id' | 'index_state' | 'index_error' | 'vector_version'>;
  sources: ImageSource[];
  inline: InlineImage[];
  imagesChanged: boolean;
}

export function prepareProduct(storeId: string, product: CatalogProduct): PreparedProduct {
  const productId = product.productId ?? catalogProductId(storeId, product.externalId);
  const inline: InlineImage[] = [];
  const sources: ImageSource[] = product.images.map((image) => {
    if ('url' in image) return { url: image.url };
    const format = sniffImageFormat(image.data);
    const contentType =
      image.contentType ?? (format === null ? 'application/octet-stream' : `image/${format}`);
    const sha256 = createHash('sha256').update(image.data).digest('hex');
    inline.push({ sha256, contentType, bytes: image.data });
    return { sha256, content_type: contentType };
  });
  const fields = {
    title: product.title,
    description: product.description ?? '',
    url: product.url ?? null,
    price_minor: product.price?.amountMinor ?? null,
    currency: product.price?.currency ?? null,
    categories: product.categories ?? [],
    in_stock: product.inStock ?? true,
    boost: product.boost ?? 0,
  };
  const contentHash = createHash('sha256')
    .update(JSON.stringify([...Object.values(fields), sources]))
    .digest('hex');
  return {
    productId,
    externalId: product.externalId,
    row: {
      ...fields,
      product_id: productId,
      external_id: product.externalId,
      image_urls: sources.flatMap((source) => ('url' in source ? [source.url] : [])),
      image_sources: JSON.stringify(sources),
      content_hash: contentHash,
    },
    sources,
    inline,
    imagesChanged: product.imagesChanged ?? false,
  };
}

const sourceKey = (source: ImageSource) =>
  'url' in source ? `url:${source.url}` : `sha256:${source.sha256}`;

export function sameSources(a: readonly ImageSource[], b: readonly ImageSource[]): boolean {
  return a.length === b.length && a.every((source, i) => sourceKey(source) === sourceKey(b[i]!));
}

interface ExistingProduct {
  product_id: string;
  external_id: string;
  content_hash: string;
  image_sources: ImageSource[];
  index_state: IndexState;
  index_error: string | null;
}

async function existingProducts(
  trx: SearchTransaction,
  storeId: string,
  products: readonly PreparedProduct[],
): Promise<ExistingProduct[]> {
  const found: ExistingProduct[] = [];
  for (const chunk of chunks(products)) {
    const rows = await trx
      .selectFrom('search.products')
      .select(['product_id', 'external_id', 'content_hash', 'image_sources', 'index_state', 'index_error'])
      .where('store_id', '=', storeId)
      .where((eb) =>
        eb.or([
          eb(
            'external_id',
            'in',
            chunk.map((p) => p.externalId),
          ),
          eb(
            'product_id',
            'in',
            chunk.map((p) => p.productId),
          ),
        ]),
      )
      .execute();
    found.push(...rows);
  }
  return found;
}

/**
 * Upserts products in the caller's transaction (a route's, or the consumer's for
 * `catalog.products_changed`). Unchanged products (same content hash) are left alone.
 * A metadata change updates the row and queues an index refresh; an image change also
 * marks the product pending and queues it for embedding in `run`, while its old vectors
 * keep it searchable until the new ones replace them.
 */
export async function writeProducts(
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  products: readonly PreparedProduct[],
  run: { runId: string; source: RunSource } | null,
): Promise<UpsertOutcome> {
  // The last of several entries for one product wins, as if posted one after the other.
  const latest = [...new Map(products.map((p) => [p.productId, p])).values()];
  const existing = await existingProducts(trx, storeId, latest);
  const byId = new Map(existing.map((row) => [row.product_id, row]));
  const byExternalId = new Map(existing.map((row) => [row.external_id, row]));

  // An external id now names another product id (a platform re-created the product): the old one goes.
  const displaced = new Set<string>();
  const changes: {
    product: PreparedProduct;
    before: ExistingProduct | undefined;
    embed: boolean;
    state: IndexState;
  }[] = [];
  for (const product of latest) {
    const holder = byExternalId.get(product.externalId);
    if (holder !== undefined && holder.product_id !== product.productId) displaced.add(holder.product_id);
  }
  for (const product of latest) {
    const before = displaced.has(product.productId) ? undefined : byId.get(product.productId);
    if (before?.content_hash === product.row.content_hash && !product.imagesChanged) continue;
    const imagesChanged =
      before === undefined || product.imagesChanged || !sameSources(before.image_sources, product.sources);
    const state: IndexState = imagesChanged
      ? product.sources.length > 0
        ? 'pending'
        : 'no_images'
      : before!.index_state;
    changes.push({ product, before, embed: imagesChanged && state === 'pending', state });
  }

  let queued = 0;
  if (changes.length > 0 || displaced.size > 0) {
    const version = await bumpCatalogVersion(trx, storeId);
    if (displaced.size > 0) await removeProducts(trx, emit, storeId, [...displaced], version);
    await storeInlineImages(
      trx,
      storeId,
      changes.flatMap((change) => (change.embed ? change.product.inline : [])),
    );
    for (const chunk of chunks(changes, 500)) {
      await trx
        .insertInto('search.products')
        .values(
          chunk.map(({ product, before, state }) => ({
            ...product.row,
            store_id: storeId,
            index_state: state,
            index_error: state === before?.index_state ? before.index_error : null,
            vector_version: version,
          })),
        )
        .onConflict((oc) =>
          oc.columns(['store_id', 'product_id']).doUpdateSet((eb) => ({
            external_id: eb.ref('excluded.external_id'),
            title: eb.ref('excluded.title'),
            description: eb.ref('excluded.description'),
            url: eb.ref('excluded.url'),
            price_minor: eb.ref('excluded.price_minor'),
            currency: eb.ref('excluded.currency'),
            categories: eb.ref('excluded.categories'),
            in_stock: eb.ref('excluded.in_stock'),
            boost: eb.ref('excluded.boost'),
            image_urls: eb.ref('excluded.image_urls'),
            image_sources: eb.ref('excluded.image_sources'),
            content_hash: eb.ref('excluded.content_hash'),
            index_state: eb.ref('excluded.index_state'),
            index_error: eb.ref('excluded.index_error'),
            vector_version: eb.ref('excluded.vector_version'),
            updated_at: new Date(),
          })),
        )
        .execute();
    }
    const imageless = changes
      .filter((c) => c.state === 'no_images' && c.before !== undefined)
      .map((c) => c.product.productId);
    if (imageless.length > 0) {
      await removeProductVectors(trx, storeId, imageless, version);
      await trx
        .deleteFrom('search.product_images')
        .where('store_id', '=', storeId)
        .where('product_id', 'in', imageless)
        .execute();
    }
    const toEmbed = changes.filter((c) => c.embed).map((c) => c.product.productId);
    queued = await enqueueProducts(trx, emit, storeId, toEmbed, 'embed', run?.runId ?? null);
    await enqueueProducts(
      trx,
      emit,
      storeId,
      changes.filter((c) => !c.embed).map((c) => c.product.productId),
      'refresh',
    );
    await dropUnreferencedInlineImages(
      trx,
      storeId,
      changes.flatMap((c) => (c.before === undefined ? [] : inlineHashes(c.before.image_sources))),
    );
  }
  if (run !== null) await addToRun(trx, emit, storeId, run, queued);
  return { runId: run?.runId ?? null, changed: changes.length, queued };
}

/** Deletes products (their images and vectors with them) in the caller's transaction, leaving tombstones at `version`. */
export async function removeProducts(
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  productIds: readonly string[],
  version: string,
): Promise<{ productId: string; externalId: string }[]> {
  const removed: { product_id: string; external_id: string; image_sources: ImageSource[] }[] = [];
  for (const chunk of chunks(productIds)) {
    await removeProductVectors(trx, storeId, chunk, version);
    removed.push(
      ...(await trx
        .deleteFrom('search.products')
        .where('store_id', '=', storeId)
        .where('product_id', 'in', chunk)
        .returning(['product_id', 'external_id', 'image_sources'])
        .execute()),
    );
  }
  await enqueueProducts(
    trx,
    emit,
    storeId,
    removed.map((row) => row.product_id),
    'removed',
  );
  await dropUnreferencedInlineImages(
    trx,
    storeId,
    removed.flatMap((row) => inlineHashes(row.image_sources)),
  );
  return removed.map((row) => ({ productId: row.product_id, externalId: row.external_id }));
}

/** Deletes by product id (sync) or external id (API); returns what existed. */
export async function deleteProductsIn(
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  which: { productIds: readonly string[] } | { externalIds: readonly string[] },
): Promise<{ productId: string; externalId: string }[]> {
  const ids = 'productIds' in which ? which.productIds : which.externalIds;
  if (ids.length === 0) return [];
  const column = 'productIds' in which ? 'product_id' : 'external_id';
  const found: string[] = [];
  for (const chunk of chunks(ids)) {
    const rows = await trx
      .selectFrom('search.products')
      .select('product_id')
      .where('store_id', '=', storeId)
      .where(column, 'in', chunk)
      .execute();
    found.push(...rows.map((row) => row.product_id));
  }
  if (found.length === 0) return [];
  const version = await bumpCatalogVersion(trx, storeId);
  return removeProducts(trx, emit, storeId, found, version);
}

/**
 * The catalog's one upsert, for the API route and the demo seeding: validated products
 * in, one transaction. Inline images are taken as bytes (no base64 on this path).
 * The caller wakes the indexing worker and catches the vector index up afterwards if it
 * has them; otherwise the worker finds the queued rows on its next poll.
 */
export async function upsertCatalogProducts(
  context: Pick<SearchContext, 'outbox'>,
  storeId: string,
  products: readonly CatalogProduct[],
  options: UpsertOptions,
): Promise<UpsertOutcome> {
  const prepared = products.map((product) => prepareProduct(storeId, product));
  const runId = options.runId ?? (options.source === 'api' ? randomUUID() : null);
  return withStoreEvents(context.outbox, storeId, (trx, emit) =>
    writeProducts(trx, emit, storeId, prepared, runId === null ? null : { runId, source: options.source }),
  );
}

export async function deleteCatalogProducts(
  context: Pick<SearchContext, 'outbox'>,
  storeId: string,
  externalIds: readonly string[],
): Promise<{ deleted: string[]; notFound: string[] }> {
  const removed = await withStoreEvents(context.outbox, storeId, (trx, emit) =>
    deleteProductsIn(trx, emit, storeId, { externalIds }),
  );
  const deleted = new Set(removed.map((product) => product.externalId));
  return { deleted: [...deleted], notFound: [...new Set(externalIds)].filter((id) => !deleted.has(id)) };
}
