import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type PineconeDataPlaneServer,
  startPineconeDataPlaneServer,
} from '@nlyzer/vectors/pinecone-test-server';
import { catalogViews, decodeImage, type ImageEmbedder } from '@nlyzer/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productPhoto } from '../../test/catalog-fixtures.ts';
import { eventually, SETUP_TIMEOUT_MS, startTestSearch, type TestSearch } from '../../test/search-harness.ts';
import { deleteCatalogProducts, upsertCatalogProducts } from '../features/catalog/catalog-writes.ts';
import { CATALOG_DECODE } from '../features/indexing/image-analysis.ts';
import { readSettings } from '../features/store-settings/settings-store.ts';
import { createProductIndex } from './product-index.ts';
import { createVectorIndexes, embedderKey } from './vector-indexes.ts';

/** Vectors per catalog photo: the photo and its synthetic shopper views. */
const VIEWS = catalogViews(await decodeImage(await productPhoto(0), CATALOG_DECODE)).length;

async function photoVector(embedder: ImageEmbedder, variant: number): Promise<Float32Array> {
  return embedder.embed(await decodeImage(await productPhoto(variant), CATALOG_DECODE));
}

const products = (prefix: string, variants: number[], price = 1000) =>
  Promise.all(
    variants.map(async (variant) => ({
      externalId: `${prefix}-${variant}`,
      title: `${prefix} ${variant}`,
      price: { amountMinor: price + variant, currency: 'EUR' },
      categories: ['bags'],
      images: [{ data: await productPhoto(variant) }],
    })),
  );

async function indexed(t: TestSearch, storeId: string, count: number): Promise<void> {
  await eventually(async () => {
    const rows = await t.search.withStore(storeId, (trx) =>
      trx.selectFrom('search.products').select('index_state').where('index_state', '=', 'indexed').execute(),
    );
    const queue = await t.search.withStore(storeId, (trx) =>
      trx.selectFrom('search.indexing_queue').select('product_id').execute(),
    );
    return rows.length === count && queue.length === 0 ? true : undefined;
  }, `${count} indexed products`);
}

const catalogVersion = (t: TestSearch, storeId: string) =>
  t.search.withStore(storeId, async (trx) => (await readSettings(trx, storeId)).catalogVersion);

async function productIdOf(t: TestSearch, storeId: string, externalId: string): Promise<string> {
  const row = await t.search.withStore(storeId, (trx) =>
    trx
      .selectFrom('search.products')
      .select('product_id')
      .where('external_id', '=', externalId)
      .executeTakeFirstOrThrow(),
  );
  return row.product_id;
}

describe('product index on the local vector index', () => {
  let t: TestSearch;
  let embedder: ImageEmbedder;
  beforeAll(async () => {
    t = await startTestSearch();
    embedder = await t.context.embedders.embedder('descriptor');
  }, SETUP_TIMEOUT_MS);
  afterAll(() => t?.close());

  /** Another instance's index over the same snapshot folder, with nothing in memory. */
  const freshInstance = () => createProductIndex({ ...t.context, indexes: createVectorIndexes(t.config) });
  const storeId = randomUUID();

  it('rebuilds a store from Postgres when its snapshot is gone, with the same results', async () => {
    await upsertCatalogProducts(t.context, storeId, await products('bag', [0, 1, 2, 3, 4, 5]), {
      source: 'api',
    });
    await indexed(t, storeId, 6);
    const snapshot = path.join(t.vectorIndexDir, embedderKey(embedder), storeId);
    await eventually(() => (existsSync(snapshot) ? true : undefined), 'the idle snapshot');

    const version = await catalogVersion(t, storeId);
    const query = await photoVector(embedder, 3);
    const live = await t.context.indexes.for(embedder).query(storeId, query, { topK: 6 });
    const fromSnapshot = await freshInstance().query(storeId, embedder, version, query, { topK: 6 });
    await rm(snapshot, { recursive: true, force: true });
    const rebuilt = await freshInstance().query(storeId, embedder, version, query, { topK: 6 });

    expect(live).toHaveLength(6);
    for (const result of [fromSnapshot, rebuilt]) {
      expect(result.map((m) => [m.id, m.metadata])).toEqual(live.map((m) => [m.id, m.metadata]));
      for (const [i, match] of result.entries()) expect(match.score).toBeCloseTo(live[i]!.score, 3);
    }
    expect(live[0]!.metadata.productId).toBe(await productIdOf(t, storeId, 'bag-3'));
    // The rebuild left a snapshot for the next start.
    expect(existsSync(snapshot)).toBe(true);

    // A snapshot that no longer loads (a disk hiccup) is rebuilt too, not an error.
    for (const file of await readdir(snapshot)) {
      if (file.startsWith('data-')) await writeFile(path.join(snapshot, file), 'not vectors');
    }
    const afterCorruption = await freshInstance().query(storeId, embedder, version, query, { topK: 6 });
    expect(afterCorruption.map((m) => m.id)).toEqual(live.map((m) => m.id));
  });

  it('catches up with changes it missed (another instance made them) without serving stale products', async () => {
    const other = freshInstance();
    const query = await photoVector(embedder, 1);
    const before = await other.query(storeId, embedder, await catalogVersion(t, storeId), query, {
      topK: 10,
    });
    const bag1 = await productIdOf(t, storeId, 'bag-1');
    expect(before[0]!.metadata.productId).toBe(bag1);

    await deleteCatalogProducts(t.context, storeId, ['bag-1']);
    const [cheaper] = await products('bag', [2], 500);
    await upsertCatalogProducts(t.context, storeId, [{ ...cheaper!, inStock: false }], { source: 'api' });
    const after = await other.query(storeId, embedder, await catalogVersion(t, storeId), query, {
      topK: 100,
    });

    // Every view of the five products left, none of the deleted one's.
    expect(after).toHaveLength(5 * VIEWS);
    expect(after.map((m) => m.metadata.productId)).not.toContain(bag1);
    const bag2 = await productIdOf(t, storeId, 'bag-2');
    expect(after.find((m) => m.metadata.productId === bag2)?.metadata).toMatchObject({
      inStock: false,
      price: 5.02,
    });
  });
});

describe('product index on Pinecone', () => {
  let pinecone: PineconeDataPlaneServer;
  let t: TestSearch;
  let embedder: ImageEmbedder;
  beforeAll(async () => {
    pinecone = await startPineconeDataPlaneServer();
    t = await startTestSearch({
      env: { VECTOR_INDEX: 'pinecone', PINECONE_API_KEY: pinecone.apiKey, PINECONE_INDEX_HOST: pinecone.url },
    });
    embedder = await t.context.embedders.embedder('descriptor');
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
    await pinecone?.close();
  });

  /** The products with a vector in the store's namespace. */
  const namespaceIds = async (storeId: string, variant: number) => {
    const vector = await photoVector(embedder, variant);
    const matches = await t.context.indexes.for(embedder).query(storeId, vector, { topK: 100 });
    return new Set(matches.map((m) => m.metadata.productId));
  };

  it('keeps each store in its own namespace, in line with its catalog', async () => {
    const storeA = randomUUID();
    const storeB = randomUUID();
    const ownerA = await t.merchant(storeA);
    const ownerB = await t.merchant(storeB);
    await upsertCatalogProducts(t.context, storeA, await products('a', [0, 1, 2]), { source: 'api' });
    await upsertCatalogProducts(t.context, storeB, await products('b', [1]), { source: 'api' });
    await indexed(t, storeA, 3);
    await indexed(t, storeB, 1);

    const a1 = await productIdOf(t, storeA, 'a-1');
    expect(await namespaceIds(storeB, 1)).toEqual(new Set([await productIdOf(t, storeB, 'b-1')]));
    expect(await namespaceIds(storeA, 1)).toEqual(
      new Set([await productIdOf(t, storeA, 'a-0'), a1, await productIdOf(t, storeA, 'a-2')]),
    );

    const byB = await t.app.inject({
      method: 'DELETE',
      url: '/v1/catalog/products',
      headers: ownerB,
      payload: { external_ids: ['a-1'] },
    });
    expect(byB.json()).toEqual({ deleted: 0, not_found: ['a-1'] });
    expect((await namespaceIds(storeA, 1)).has(a1)).toBe(true);

    const byA = await t.app.inject({
      method: 'DELETE',
      url: '/v1/catalog/products',
      headers: ownerA,
      payload: { external_ids: ['a-1'] },
    });
    expect(byA.json()).toEqual({ deleted: 1, not_found: [] });
    expect((await namespaceIds(storeA, 1)).has(a1)).toBe(false);

    const [a2] = await products('a', [2], 300);
    await upsertCatalogProducts(t.context, storeA, [{ ...a2!, inStock: false }], { source: 'api' });
    // No route here to catch up after its commit: the queued refresh reaches Pinecone through the worker.
    const refreshed = await eventually(async () => {
      const [match] = await t.context.indexes.for(embedder).query(storeA, await photoVector(embedder, 2), {
        topK: 1,
        filter: { inStock: false },
      });
      return match;
    }, 'the refreshed metadata in Pinecone');
    expect(refreshed.metadata).toEqual({
      productId: await productIdOf(t, storeA, 'a-2'),
      inStock: false,
      price: 3.02,
      category: 'bags',
    });
    const version = Number(await catalogVersion(t, storeA));
    const cursors = await eventually(async () => {
      const rows = await t.search.withStore(storeA, (trx) =>
        trx.selectFrom('search.vector_index_cursors').select(['index_key', 'version']).execute(),
      );
      return rows[0]?.version === version ? rows : undefined;
    }, 'the Pinecone watermark to reach the catalog version');
    expect(cursors).toEqual([{ index_key: embedderKey(embedder), version }]);
  });
});
