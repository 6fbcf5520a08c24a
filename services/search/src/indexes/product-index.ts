import {
  type LocalVectorIndex,
  type VectorIndex,
  VectorIndexError,
  type VectorMatch,
  type VectorQueryOptions,
} from '@nlyzer/vectors';
import type { ImageEmbedder } from '@nlyzer/vision';
import type { SearchContext, SearchTransaction } from '../search-context.ts';
import { createKeyedSerializer } from './keyed-serializer.ts';
import {
  allRecords,
  type BatchReader,
  changesSince,
  type FeedPosition,
  feedPosition,
  ownTransactions,
  storedProductVectors,
} from './vector-feed.ts';
import { embedderKey } from './vector-indexes.ts';

/**
 * The store's products in the vector index of an embedder, kept in line with Postgres.
 *
 * Every index has a watermark: the catalog version it reflects. Catching up reads the
 * vector feed after the watermark (changed products, tombstoned vectors) and applies it,
 * or rebuilds the store from `search.product_vectors` when there is no watermark, the
 * feed was pruned past it, or the change is large. A local index keeps its watermark in
 * memory and in its snapshot; a query that finds it behind the catalog version it was
 * given catches up first. The indexing worker and the catalog routes catch up right after
 * their commits, so queries normally find the index current. Pinecone is shared by every
 * instance, so its watermark is a row in Postgres, locked while the index is written, and
 * queries never wait for it.
 */
export interface ProductIndex {
  query(
    storeId: string,
    embedder: ImageEmbedder,
    catalogVersion: string,
    vector: Float32Array,
    options: VectorQueryOptions,
  ): Promise<VectorMatch[]>;
  /** A product's vectors (first image's original view first), e.g. for "similar products". */
  productVectors(storeId: string, productId: string, embedder: ImageEmbedder): Promise<Float32Array[]>;
  /** Brings the store's index for `embedder` up to the store's current catalog version. */
  catchUp(storeId: string, embedder: ImageEmbedder): Promise<void>;
  /** Writes the snapshots still waiting for their idle delay (shutdown). */
  flush(): Promise<void>;
}

export interface ProductIndexOptions {
  /** A local store's snapshot is written once its index has been idle this long. */
  persistDelayMs?: number;
  /** Above this many vectors changed (or removed) since the watermark, rebuild instead. */
  maxCatchUpVectors?: number;
}

export function createProductIndex(context: SearchContext, options: ProductIndexOptions = {}): ProductIndex {
  const { db, indexes, logger } = context;
  const persistDelayMs = options.persistDelayMs ?? 5000;
  const maxCatchUpVectors = options.maxCatchUpVectors ?? 20_000;
  const serialize = createKeyedSerializer();
  /** Local watermarks by `<embedder key>|<store>`; absent until read from the snapshot. */
  const watermarks = new Map<string, bigint | null>();
  const persistTimers = new Map<string, { timer: NodeJS.Timeout; persist: () => Promise<void> }>();

  const keyOf = (storeId: string, embedder: ImageEmbedder) => `${embedderKey(embedder)}|${storeId}`;

  async function localWatermark(
    local: LocalVectorIndex,
    key: string,
    storeId: string,
  ): Promise<bigint | null> {
    if (!watermarks.has(key)) {
      let stored: string | undefined;
      try {
        stored = await local.watermark(storeId);
      } catch (err) {
        // Postgres has everything: a snapshot that does not load is rebuilt, not an outage.
        if (!(err instanceof VectorIndexError && err.code === 'snapshot_corrupt')) throw err;
        logger.warn({ err, storeId }, 'vector index snapshot unreadable; rebuilding the store from Postgres');
      }
      watermarks.set(key, stored !== undefined && /^\d+$/.test(stored) ? BigInt(stored) : null);
    }
    return watermarks.get(key) ?? null;
  }

  function schedulePersist(local: LocalVectorIndex, key: string, storeId: string): void {
    clearTimeout(persistTimers.get(key)?.timer);
    const persist = (): Promise<void> =>
      serialize(key, async () => {
        if (persistTimers.get(key)?.persist === persist) persistTimers.delete(key);
        const watermark = watermarks.get(key);
        if (watermark !== undefined && watermark !== null) await local.persist(storeId, String(watermark));
      });
    const timer = setTimeout(() => {
      persist().catch((err: unknown) => logger.error({ err, storeId }, 'vector index snapshot failed'));
    }, persistDelayMs);
    timer.unref();
    persistTimers.set(key, { timer, persist });
  }

  async function catchUpLocal(
    local: LocalVectorIndex,
    storeId: string,
    embedder: ImageEmbedder,
    atLeast?: bigint,
  ) {
    const key = keyOf(storeId, embedder);
    await serialize(key, async () => {
      const watermark = await localWatermark(local, key, storeId);
      // Another caller caught up while this one waited its turn.
      if (watermark !== null && atLeast !== undefined && watermark >= atLeast) return;
      const position = await db.withStore(storeId, (trx) => feedPosition(trx, storeId));
      if (watermark !== null && watermark >= position.version) return;
      const changes =
        watermark === null || watermark < position.horizon
          ? null
          : await db.withStore(storeId, (trx) =>
              changesSince(trx, storeId, embedder, watermark, maxCatchUpVectors),
            );
      if (changes === null) {
        // rebuild() writes the snapshot itself.
        await local.rebuild(
          storeId,
          allRecords(ownTransactions(db, storeId), storeId, embedder),
          String(position.version),
        );
        watermarks.set(key, position.version);
        clearTimeout(persistTimers.get(key)?.timer);
        persistTimers.delete(key);
        return;
      }
      if (changes.removed.length > 0) await local.delete(storeId, changes.removed);
      if (changes.records.length > 0) await local.upsert(storeId, changes.records);
      watermarks.set(key, position.version);
      schedulePersist(local, key, storeId);
    });
  }

  async function catchUpShared(index: VectorIndex, storeId: string, embedder: ImageEmbedder) {
    const indexKey = embedderKey(embedder);
    await serialize(keyOf(storeId, embedder), () =>
      db.withStore(storeId, async (trx) => {
        const cursor = await lockCursor(trx, storeId, indexKey);
        const position = await feedPosition(trx, storeId);
        if (cursor !== null && cursor >= position.version) return;
        await applyShared(trx, index, storeId, embedder, cursor, position);
        await trx
          .updateTable('search.vector_index_cursors')
          .set({ version: String(position.version), updated_at: new Date() })
          .where('store_id', '=', storeId)
          .where('index_key', '=', indexKey)
          .execute();
      }),
    );
  }

  async function applyShared(
    trx: SearchTransaction,
    index: VectorIndex,
    storeId: string,
    embedder: ImageEmbedder,
    cursor: bigint | null,
    position: FeedPosition,
  ) {
    const changes =
      cursor === null || cursor < position.horizon
        ? null
        : await changesSince(trx, storeId, embedder, cursor, maxCatchUpVectors);
    if (changes === null) {
      await index.deleteAll(storeId);
      const inThisTransaction: BatchReader = (read) => read(trx);
      for await (const batch of allRecords(inThisTransaction, storeId, embedder))
        await index.upsert(storeId, batch);
      return;
    }
    if (changes.removed.length > 0) await index.delete(storeId, changes.removed);
    if (changes.records.length > 0) await index.upsert(storeId, changes.records);
  }

  async function catchUp(storeId: string, embedder: ImageEmbedder, atLeast?: bigint): Promise<void> {
    const local = indexes.local(embedder);
    if (local !== null) await catchUpLocal(local, storeId, embedder, atLeast);
    else await catchUpShared(indexes.for(embedder), storeId, embedder);
  }

  return {
    async query(storeId, embedder, catalogVersion, vector, queryOptions) {
      const local = indexes.local(embedder);
      if (local !== null) {
        const wanted = BigInt(catalogVersion);
        const watermark = await localWatermark(local, keyOf(storeId, embedder), storeId);
        if (watermark === null || watermark < wanted) await catchUp(storeId, embedder, wanted);
      }
      return indexes.for(embedder).query(storeId, vector, queryOptions);
    },

    productVectors: (storeId, productId, embedder) =>
      db.withStore(storeId, (trx) => storedProductVectors(trx, storeId, productId, embedder)),

    catchUp: (storeId, embedder) => catchUp(storeId, embedder),

    async flush() {
      const pending = [...persistTimers.values()];
      for (const { timer } of pending) clearTimeout(timer);
      await Promise.all(pending.map(({ persist }) => persist()));
    },
  };
}

/** The shared index's watermark for the store, row-locked until the transaction ends; null when never written. */
async function lockCursor(trx: SearchTransaction, storeId: string, indexKey: string): Promise<bigint | null> {
  await trx
    .insertInto('search.vector_index_cursors')
    .values({ store_id: storeId, index_key: indexKey, version: -1 })
    .onConflict((oc) => oc.columns(['store_id', 'index_key']).doNothing())
    .execute();
  const row = await trx
    .selectFrom('search.vector_index_cursors')
    .select('version')
    .where('store_id', '=', storeId)
    .where('index_key', '=', indexKey)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const version = BigInt(row.version);
  return version < 0n ? null : version;
}
