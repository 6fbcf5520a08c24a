import type { Database } from '@nlyzer/db';
import type { VectorMetadata, VectorRecord } from '@nlyzer/vectors';
import type { ImageEmbedder } from '@nlyzer/vision';
import type { SearchTransaction } from '../search-context.ts';
import type { SearchTables } from '../search-tables.ts';
import { byteaAsHex, vectorFromBytes, vectorFromHex } from './vector-bytes.ts';

/*
 * The Postgres side of every vector index: what an index must hold for a store, read
 * from `search.product_vectors` (the source of truth) and the vector feed (see the
 * 2310 migration). Versions are catalog versions, compared as bigints.
 */

/** Where a store's catalog is: its catalog version, and how far its tombstones have been pruned. */
export interface FeedPosition {
  version: bigint;
  horizon: bigint;
}

export async function feedPosition(trx: SearchTransaction, storeId: string): Promise<FeedPosition> {
  const row = await trx
    .selectFrom('search.store_settings')
    .leftJoin('search.vector_tombstone_horizons as h', 'h.store_id', 'search.store_settings.store_id')
    .select(['search.store_settings.catalog_version', 'h.pruned_through'])
    .where('search.store_settings.store_id', '=', storeId)
    .executeTakeFirst();
  return { version: BigInt(row?.catalog_version ?? 0), horizon: BigInt(row?.pruned_through ?? 0) };
}

/** Fractional digits of a currency's major unit (JPY 0, EUR 2, KWD 3). */
const digitsByCurrency = new Map<string, number>();
function currencyDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    try {
      digits =
        new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
          .maximumFractionDigits ?? 2;
    } catch {
      digits = 2;
    }
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/** A price in the currency's major unit (19.99 for 1999 EUR cents), as search filters state prices. */
export function priceInMajorUnits(amountMinor: number, currency: string): number {
  return amountMinor / 10 ** currencyDigits(currency);
}

interface MetadataColumns {
  product_id: string;
  in_stock: boolean;
  price_minor: string | number | null;
  currency: string | null;
  categories: string[];
}

export function vectorMetadata(row: MetadataColumns): VectorMetadata {
  const metadata: VectorMetadata = { productId: row.product_id, inStock: row.in_stock };
  if (row.price_minor !== null && row.currency !== null) {
    metadata.price = priceInMajorUnits(Number(row.price_minor), row.currency);
  }
  const category = row.categories[0];
  if (category !== undefined) metadata.category = category;
  return metadata;
}

/** Vectors joined with their product's metadata, for one embedder (id and version). */
function recordsQuery(trx: SearchTransaction, storeId: string, embedder: ImageEmbedder) {
  return trx
    .selectFrom('search.product_vectors as v')
    .innerJoin('search.products as p', (join) =>
      join.onRef('p.store_id', '=', 'v.store_id').onRef('p.product_id', '=', 'v.product_id'),
    )
    .select([
      'v.vector_id',
      byteaAsHex('v.vector').as('vector_hex'),
      'p.product_id',
      'p.in_stock',
      'p.price_minor',
      'p.currency',
      'p.categories',
    ])
    .where('v.store_id', '=', storeId)
    .where('v.embedder', '=', embedder.id)
    .where('v.embedder_version', '=', embedder.version);
}

type RecordRow = MetadataColumns & { vector_id: string; vector_hex: string };

const toRecord = (row: RecordRow): VectorRecord => ({
  id: row.vector_id,
  values: vectorFromHex(row.vector_hex),
  metadata: vectorMetadata(row),
});

/** Runs one batch's reads: in its own short transaction, or in the caller's. */
export type BatchReader = <T>(read: (trx: SearchTransaction) => Promise<T>) => Promise<T>;

export const ownTransactions =
  (db: Database<SearchTables>, storeId: string): BatchReader =>
  (read) =>
    db.withStore(storeId, read);

/** Every record of the store for `embedder`, in batches (keyset on the vector id). */
export async function* allRecords(
  read: BatchReader,
  storeId: string,
  embedder: ImageEmbedder,
  batchSize = 1000,
): AsyncIterable<VectorRecord[]> {
  let after: string | null = null;
  for (;;) {
    const from: string | null = after;
    const rows: RecordRow[] = await read((trx) => {
      let query = recordsQuery(trx, storeId, embedder).orderBy('v.vector_id').limit(batchSize);
      if (from !== null) query = query.where('v.vector_id', '>', from);
      return query.execute();
    });
    if (rows.length > 0) yield rows.map(toRecord);
    if (rows.length < batchSize) return;
    after = rows.at(-1)!.vector_id;
  }
}

export interface FeedChanges {
  /** Vector ids removed since the watermark: delete them first. */
  removed: string[];
  /** The current vectors of every product changed since the watermark: upsert them after. */
  records: VectorRecord[];
}

/**
 * What changed after `since`, or null when it is more than `limit` vectors either way (a
 * rebuild is then cheaper). Reads the products' current state, which may be newer than
 * the version the caller targets: applying newer state is safe because later changes
 * are read again from the next watermark on.
 */
export async function changesSince(
  trx: SearchTransaction,
  storeId: string,
  embedder: ImageEmbedder,
  since: bigint,
  limit: number,
): Promise<FeedChanges | null> {
  const tombstones = await trx
    .selectFrom('search.vector_tombstones')
    .select('vector_id')
    .where('store_id', '=', storeId)
    .where('version', '>', String(since))
    .limit(limit + 1)
    .execute();
  if (tombstones.length > limit) return null;
  const rows = await recordsQuery(trx, storeId, embedder)
    .where('p.vector_version', '>', String(since))
    .limit(limit + 1)
    .execute();
  if (rows.length > limit) return null;
  return { removed: tombstones.map((row) => row.vector_id), records: rows.map(toRecord) };
}

/** A product's vectors for `embedder`, first image's original view first. */
export async function storedProductVectors(
  trx: SearchTransaction,
  storeId: string,
  productId: string,
  embedder: ImageEmbedder,
): Promise<Float32Array[]> {
  const rows = await trx
    .selectFrom('search.product_vectors')
    .select('vector')
    .where('store_id', '=', storeId)
    .where('product_id', '=', productId)
    .where('embedder', '=', embedder.id)
    .where('embedder_version', '=', embedder.version)
    .orderBy('image_position')
    .orderBy('view')
    .execute();
  return rows.map((row) => vectorFromBytes(row.vector));
}

/** Rows per multi-row insert, well below Postgres' 65535 parameters. */
const INSERT_CHUNK = 2000;

export function chunks<T>(items: readonly T[], size = INSERT_CHUNK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Deletes the products' vectors (every embedder's) and leaves a tombstone at `version`
 * for each, so every index drops them when it catches up. Ids in `rewritten` (being
 * written again for the same embedder in this transaction) need no tombstone: the
 * catch-up overwrites them.
 */
export async function removeProductVectors(
  trx: SearchTransaction,
  storeId: string,
  productIds: readonly string[],
  version: string,
  rewritten: { embedder: ImageEmbedder; ids: ReadonlySet<string> } | null = null,
): Promise<void> {
  if (productIds.length === 0) return;
  const removed = await trx
    .deleteFrom('search.product_vectors')
    .where('store_id', '=', storeId)
    .where('product_id', 'in', productIds)
    .returning(['vector_id', 'embedder', 'embedder_version'])
    .execute();
  const tombstoned = removed
    .filter(
      (row) =>
        rewritten === null ||
        !rewritten.ids.has(row.vector_id) ||
        row.embedder !== rewritten.embedder.id ||
        row.embedder_version !== rewritten.embedder.version,
    )
    .map((row) => row.vector_id);
  for (const chunk of chunks(tombstoned)) {
    await trx
      .insertInto('search.vector_tombstones')
      .values(chunk.map((vectorId) => ({ store_id: storeId, vector_id: vectorId, version })))
      .onConflict((oc) =>
        oc.columns(['store_id', 'vector_id']).doUpdateSet((eb) => ({
          version: eb.ref('excluded.version'),
          created_at: new Date(),
        })),
      )
      .execute();
  }
}

/**
 * Drops the store's tombstones older than `maxAgeMs` and records the highest version
 * dropped: an index whose watermark is below it may have missed a removal and rebuilds.
 */
export async function pruneTombstones(
  trx: SearchTransaction,
  storeId: string,
  maxAgeMs: number,
): Promise<number> {
  const pruned = await trx
    .deleteFrom('search.vector_tombstones')
    .where('store_id', '=', storeId)
    .where('created_at', '<', new Date(Date.now() - maxAgeMs))
    .returning('version')
    .execute();
  if (pruned.length === 0) return 0;
  const highest = pruned.reduce((max, row) => (BigInt(row.version) > max ? BigInt(row.version) : max), 0n);
  await trx
    .insertInto('search.vector_tombstone_horizons')
    .values({ store_id: storeId, pruned_through: String(highest) })
    .onConflict((oc) =>
      oc.column('store_id').doUpdateSet((eb) => ({
        pruned_through: eb.fn('greatest', [
          eb.ref('search.vector_tombstone_horizons.pruned_through'),
          eb.ref('excluded.pruned_through'),
        ]),
      })),
    )
    .execute();
  return pruned.length;
}
