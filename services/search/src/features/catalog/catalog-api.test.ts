import { randomUUID } from 'node:crypto';
import { decodeImage, decodeLocalFeatures, type ImageEmbedder } from '@nlyzer/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineProduct, productPhoto } from '../../../test/catalog-fixtures.ts';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSearch,
  type TestSearch,
} from '../../../test/search-harness.ts';
import { CATALOG_DECODE } from '../indexing/image-analysis.ts';

describe('catalog API', () => {
  let t: TestSearch;
  let embedder: ImageEmbedder;
  beforeAll(async () => {
    t = await startTestSearch();
    embedder = await t.context.embedders.embedder('descriptor');
  }, SETUP_TIMEOUT_MS);
  afterAll(() => t?.close());

  const upsert = (headers: Record<string, string>, products: unknown[]) =>
    t.app.inject({ method: 'PUT', url: '/v1/catalog/products', headers, payload: { products } });
  const get = (headers: Record<string, string>, url: string) => t.app.inject({ method: 'GET', url, headers });
  const remove = (headers: Record<string, string>, externalIds: string[]) =>
    t.app.inject({
      method: 'DELETE',
      url: '/v1/catalog/products',
      headers,
      payload: { external_ids: externalIds },
    });

  async function finishedRun(headers: Record<string, string>, runId: string) {
    return eventually(async () => {
      const run = (await get(headers, `/v1/catalog/indexing/runs/${runId}`)).json();
      return run.finished_at === null ? undefined : run;
    }, `run ${runId} to finish`);
  }

  /** Drains the queue: metadata refreshes and deletions go through it too. */
  async function queueDrained(headers: Record<string, string>) {
    await eventually(async () => {
      const status = (await get(headers, '/v1/catalog/indexing')).json();
      return status.queue_length === 0 ? true : undefined;
    }, 'the indexing queue to drain');
  }

  async function nearest(storeId: string, variant: number, filter?: Record<string, unknown>) {
    const vector = await embedder.embed(await decodeImage(await productPhoto(variant), CATALOG_DECODE));
    return t.context.indexes.for(embedder).query(storeId, vector, { topK: 5, ...(filter ? { filter } : {}) });
  }

  async function productId(storeId: string, externalId: string): Promise<string> {
    const row = await t.search.withStore(storeId, (trx) =>
      trx
        .selectFrom('search.products')
        .select('product_id')
        .where('external_id', '=', externalId)
        .executeTakeFirstOrThrow(),
    );
    return row.product_id;
  }

  const storeA = randomUUID();
  let ownerA: Record<string, string>;

  it('indexes a bulk upsert of products with inline images and reports progress', async () => {
    ownerA = await t.merchant(storeA);
    const products = await Promise.all([0, 1, 2, 3, 4].map((i) => inlineProduct(`sku-${i}`, i)));
    const response = await upsert(ownerA, products);
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body).toMatchObject({ accepted: 5, changed: 5, queued: 5, rejected: [] });

    const run = await finishedRun(ownerA, body.run_id);
    expect(run).toMatchObject({ source: 'api', total: 5, indexed: 5, failed: 0, percent: 100 });
    const final = await t.waitForEvent(
      'catalog.indexing_progress',
      (e) => e.payload.run_id === body.run_id && e.payload.indexed === 5,
    );
    expect(final.payload).toEqual({ store_id: storeA, run_id: body.run_id, indexed: 5, total: 5, failed: 0 });
    const progress = t.events.filter((e) => e.payload.run_id === body.run_id);
    expect(progress.every((e) => e.payload.total === 5)).toBe(true);

    const status = (await get(ownerA, '/v1/catalog/indexing')).json();
    expect(status).toMatchObject({
      products: 5,
      counts: { pending: 0, indexed: 5, failed: 0, no_images: 0 },
      percent: 100,
    });
    expect(status.recent_runs[0].run_id).toBe(body.run_id);

    const product = (await get(ownerA, '/v1/catalog/products/sku-0')).json();
    expect(product).toMatchObject({
      external_id: 'sku-0',
      index_state: 'indexed',
      index_error: null,
      indexed_embedder: `${embedder.id}-${embedder.version}`,
      price: { amount_minor: 1000, currency: 'EUR' },
      images: [{ position: 0, url: null, width: 128, height: 128 }],
    });
    expect(product.style_dna.colours.length).toBeGreaterThan(0);
    expect(product.style_keywords).toContain(product.style_dna.colours[0].name);
    const image = await t.search.withStore(storeA, (trx) =>
      trx
        .selectFrom('search.product_images')
        .select('local_features')
        .where('product_id', '=', product.product_id)
        .executeTakeFirstOrThrow(),
    );
    expect(decodeLocalFeatures(image.local_features!).points.length).toBeGreaterThan(0);

    const matches = await nearest(storeA, 2);
    expect(matches[0]?.metadata).toEqual({
      productId: await productId(storeA, 'sku-2'),
      inStock: true,
      price: 12,
      category: 'shirts',
    });
    expect(matches[0]?.score).toBeGreaterThan(0.99);
  });

  it('refuses malformed products one by one and takes the others', async () => {
    const valid = await inlineProduct('ok-1', 5);
    const image = valid.images;
    const tooBig = Buffer.alloc(5 * 1024 * 1024 + 10, 0xff);
    tooBig.set([0xff, 0xd8, 0xff]);
    const response = await upsert(ownerA, [
      valid,
      { title: 'No id', images: image },
      {
        external_id: 'absurd-price',
        title: 'Gold',
        price: { amount_minor: 10 ** 15, currency: 'EUR' },
        images: image,
      },
      {
        external_id: 'many-images',
        title: 'Many',
        images: Array.from({ length: 10_000 }, (_, i) => ({ url: `https://cdn.example.com/${i}.jpg` })),
      },
      { external_id: 'ftp', title: 'Ftp', images: [{ url: 'ftp://cdn.example.com/a.jpg' }] },
      { external_id: 'bad-base64', title: 'Bad', images: [{ data: 'this is not base64!' }] },
      { external_id: 'too-big', title: 'Big', images: [{ data: tooBig.toString('base64') }] },
      {
        external_id: 'not-an-image',
        title: 'Text',
        images: [{ data: Buffer.from('hello world!').toString('base64') }],
      },
      { external_id: 'both', title: 'Both', images: [{ url: 'https://cdn.example.com/a.jpg', ...image[0] }] },
      { external_id: 'ok-1', title: 'Again', images: image },
      'not an object',
    ]);
    expect(response.statusCode).toBe(202);
    const body = response.json();
    expect(body.accepted).toBe(1);
    const reasons = Object.fromEntries(
      body.rejected.map((r: { index: number; errors: { path: string; message: string }[] }) => [
        r.index,
        r.errors.map((e) => `${e.path} ${e.message}`).join(' | '),
      ]),
    );
    expect(Object.keys(reasons).map(Number)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(reasons[1]).toContain('/external_id is required');
    expect(reasons[2]).toContain('/price/amount_minor');
    expect(reasons[3]).toContain('/images');
    expect(reasons[4]).toContain('/images/0/url');
    expect(reasons[5]).toBe('/images/0/data is not valid base64');
    expect(reasons[6]).toBe('/images/0/data is larger than 5242880 bytes');
    expect(reasons[7]).toBe('/images/0/data is not a JPEG, PNG, WebP or AVIF image');
    expect(reasons[8]).toBe('/images/0 needs either url or data');
    expect(reasons[9]).toBe('/external_id appears earlier in this request');
    expect(body.rejected[1].external_id).toBe('absurd-price');
    expect(body.rejected[0].external_id).toBeNull();

    const allBad = await upsert(ownerA, [{ external_id: 'x', title: 'No images', images: [] }]);
    expect(allBad.statusCode).toBe(422);
    expect(allBad.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(allBad.json()).toMatchObject({
      code: 'unprocessable',
      errors: [{ path: '/body/products/0/images' }],
    });
    await finishedRun(ownerA, body.run_id);
  });

  it('leaves unchanged products alone and refreshes metadata without embedding again', async () => {
    const before = await t.search.withStore(storeA, (trx) =>
      trx
        .selectFrom('search.products')
        .select(['external_id', 'vector_version', 'updated_at'])
        .orderBy('external_id')
        .execute(),
    );
    const products = await Promise.all([0, 1, 2, 3, 4].map((i) => inlineProduct(`sku-${i}`, i)));
    const again = (await upsert(ownerA, products)).json();
    expect(again).toMatchObject({ accepted: 5, changed: 0, queued: 0 });
    expect(await finishedRun(ownerA, again.run_id)).toMatchObject({ total: 0, indexed: 0 });
    const after = await t.search.withStore(storeA, (trx) =>
      trx
        .selectFrom('search.products')
        .select(['external_id', 'vector_version', 'updated_at'])
        .orderBy('external_id')
        .execute(),
    );
    expect(after).toEqual(before);
    const queued = await t.search.withStore(storeA, (trx) =>
      trx.selectFrom('search.indexing_queue').selectAll().execute(),
    );
    expect(queued).toEqual([]);

    const changed = { ...products[3]!, in_stock: false, price: { amount_minor: 999, currency: 'EUR' } };
    const metadataOnly = (await upsert(ownerA, [changed])).json();
    expect(metadataOnly).toMatchObject({ changed: 1, queued: 0 });
    const sku3 = await productId(storeA, 'sku-3');
    const updated = await t.search.withStore(storeA, (trx) =>
      trx
        .selectFrom('search.products')
        .select(['vector_version', 'index_state'])
        .where('product_id', '=', sku3)
        .executeTakeFirstOrThrow(),
    );
    expect(updated.index_state).toBe('indexed');

    // The route catches the index up right after its commit.
    const [match] = await nearest(storeA, 3, { inStock: false });
    expect(match?.metadata).toEqual({ productId: sku3, inStock: false, price: 9.99, category: 'dresses' });
    // The refresh queued for the index is handled without re-embedding: no new vector version.
    await queueDrained(ownerA);
    const refreshed = await t.search.withStore(storeA, (trx) =>
      trx
        .selectFrom('search.products')
        .select(['vector_version', 'index_state'])
        .where('product_id', '=', sku3)
        .executeTakeFirstOrThrow(),
    );
    expect(refreshed).toEqual(updated);
  });

  it('deletes products from the database and the index', async () => {
    const sku1 = await productId(storeA, 'sku-1');
    const response = await remove(ownerA, ['sku-1', 'never-existed']);
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ deleted: 1, not_found: ['never-existed'] });
    expect((await get(ownerA, '/v1/catalog/products/sku-1')).statusCode).toBe(404);
    const leftovers = await t.search.withStore(storeA, async (trx) => ({
      vectors: await trx
        .selectFrom('search.product_vectors')
        .select('vector_id')
        .where('product_id', '=', sku1)
        .execute(),
      images: await trx
        .selectFrom('search.product_images')
        .select('position')
        .where('product_id', '=', sku1)
        .execute(),
    }));
    expect(leftovers).toEqual({ vectors: [], images: [] });
    const matches = await nearest(storeA, 1);
    expect(matches.map((m) => m.metadata.productId)).not.toContain(sku1);
    await queueDrained(ownerA);
  });

  it('pages through the catalog and filters by index state', async () => {
    const first = (await get(ownerA, '/v1/catalog/products?limit=2')).json();
    expect(first.products.map((p: { external_id: string }) => p.external_id)).toEqual(['ok-1', 'sku-0']);
    const second = (await get(ownerA, `/v1/catalog/products?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.products.map((p: { external_id: string }) => p.external_id)).toEqual(['sku-2', 'sku-3']);
    const third = (await get(ownerA, `/v1/catalog/products?limit=2&cursor=${second.next_cursor}`)).json();
    expect(third).toMatchObject({ next_cursor: null, products: [{ external_id: 'sku-4' }] });
    const failed = (await get(ownerA, '/v1/catalog/products?index_state=failed')).json();
    expect(failed.products).toEqual([]);
  });

  it("keeps stores apart: another store's principal neither sees nor deletes them", async () => {
    const storeB = randomUUID();
    const ownerB = await t.merchant(storeB);
    expect((await get(ownerB, '/v1/catalog/products')).json().products).toEqual([]);
    expect((await get(ownerB, '/v1/catalog/products/sku-0')).statusCode).toBe(404);
    expect((await get(ownerB, '/v1/catalog/indexing')).json()).toMatchObject({
      products: 0,
      queue_length: 0,
    });
    const runId = (await get(ownerA, '/v1/catalog/indexing')).json().recent_runs[0].run_id;
    expect((await get(ownerB, `/v1/catalog/indexing/runs/${runId}`)).statusCode).toBe(404);
    expect((await remove(ownerB, ['sku-0'])).json()).toEqual({ deleted: 0, not_found: ['sku-0'] });
    expect((await get(ownerA, '/v1/catalog/products/sku-0')).json().index_state).toBe('indexed');
    expect(await nearest(storeB, 0)).toEqual([]);
  });

  it('lets analysts read and only owners and admins write', async () => {
    const analyst = await t.merchant(storeA, 'analyst');
    expect((await get(analyst, '/v1/catalog/indexing')).statusCode).toBe(200);
    expect((await upsert(analyst, [await inlineProduct('by-analyst', 1)])).statusCode).toBe(403);
    expect((await remove(analyst, ['sku-0'])).statusCode).toBe(403);
    expect(
      (await upsert(await t.merchant(storeA, 'admin'), [await inlineProduct('by-admin', 1)])).statusCode,
    ).toBe(202);
    expect((await get({}, '/v1/catalog/products')).statusCode).toBe(401);
  });
});
