import { createHash, randomUUID } from 'node:crypto';
import type { TopicPayload } from '@nlyzer/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ImageServer, productPhoto, startImageServer } from '../../../test/catalog-fixtures.ts';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSearch,
  type TestSearch,
} from '../../../test/search-harness.ts';

type Upserted = TopicPayload<'catalog.products_changed'>['upserted'][number];

describe('catalog.products_changed', () => {
  let t: TestSearch;
  let server: ImageServer;
  beforeAll(async () => {
    server = await startImageServer({
      a: await productPhoto(0),
      b: await productPhoto(1),
      c: await productPhoto(2),
    });
    t = await startTestSearch({ env: { CATALOG_IMAGE_FETCH_ALLOW_PRIVATE: 'true' } });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await t?.close();
    await server?.close();
  });

  const synced = (externalId: string, image: string, extra: Partial<Upserted> = {}): Upserted => ({
    product_id: randomUUID(),
    external_id: externalId,
    title: `Synced ${externalId}`,
    description: '',
    url: `https://shop.example.com/products/${externalId}`,
    price: { amount_minor: 2500, currency: 'USD' },
    categories: ['shoes'],
    in_stock: true,
    content_hash: createHash('sha256').update(externalId).digest('hex'),
    image_urls: [server.url(image)],
    changed_images: true,
    ...extra,
  });

  const productsOf = (storeId: string) =>
    t.search.withStore(storeId, (trx) =>
      trx
        .selectFrom('search.products')
        .select(['product_id', 'external_id', 'index_state', 'in_stock'])
        .orderBy('external_id')
        .execute(),
    );

  it('indexes the products of a sync run and reports the run as done', async () => {
    const storeId = randomUUID();
    const runId = randomUUID();
    const upserted = [synced('shoe-a', 'a'), synced('shoe-b', 'b')];
    await t.publishAsSyncWorker(storeId, 'catalog.products_changed', {
      store_id: storeId,
      run_id: runId,
      upserted,
      deleted: [],
    });

    const final = await t.waitForEvent(
      'catalog.indexing_progress',
      (e) => e.payload.run_id === runId && e.payload.indexed === 2,
    );
    expect(final.payload).toEqual({ store_id: storeId, run_id: runId, indexed: 2, total: 2, failed: 0 });
    expect(final.source).toBe('search');
    const products = await productsOf(storeId);
    expect(products).toEqual([
      { product_id: upserted[0]!.product_id, external_id: 'shoe-a', index_state: 'indexed', in_stock: true },
      { product_id: upserted[1]!.product_id, external_id: 'shoe-b', index_state: 'indexed', in_stock: true },
    ]);

    // The next batch of the same run: one product out of stock (no new images), one deleted, one new.
    const later = [{ ...upserted[0]!, in_stock: false, changed_images: false }, synced('shoe-c', 'c')];
    await t.publishAsSyncWorker(storeId, 'catalog.products_changed', {
      store_id: storeId,
      run_id: runId,
      upserted: later,
      deleted: [upserted[1]!.product_id],
    });
    await t.waitForEvent(
      'catalog.indexing_progress',
      (e) => e.payload.run_id === runId && e.payload.total === 3 && e.payload.indexed === 3,
    );
    await eventually(async () => {
      const rows = await productsOf(storeId);
      return rows.length === 2 && rows.every((row) => row.index_state === 'indexed') ? rows : undefined;
    }, 'the second batch to be applied');
    expect(await productsOf(storeId)).toEqual([
      { product_id: upserted[0]!.product_id, external_id: 'shoe-a', index_state: 'indexed', in_stock: false },
      { product_id: later[1]!.product_id, external_id: 'shoe-c', index_state: 'indexed', in_stock: true },
    ]);
    const vectors = await t.search.withStore(storeId, (trx) =>
      trx.selectFrom('search.product_vectors').select('product_id').execute(),
    );
    expect(new Set(vectors.map((v) => v.product_id))).toEqual(
      new Set([upserted[0]!.product_id, later[1]!.product_id]),
    );
    // Only the new product was fetched again: the stock change needed no image.
    expect(server.requests.filter((path) => path === '/a.jpg')).toHaveLength(1);
  });
});
