import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TopicPayload } from '@nlyzer/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ImageServer,
  inlineProduct,
  productPhoto,
  startImageServer,
} from '../../../test/catalog-fixtures.ts';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSearch,
  type TestSearch,
} from '../../../test/search-harness.ts';

async function finishedRun(t: TestSearch, headers: Record<string, string>, runId: string) {
  return eventually(async () => {
    const run = (
      await t.app.inject({ method: 'GET', url: `/v1/catalog/indexing/runs/${runId}`, headers })
    ).json();
    return run.finished_at === null ? undefined : run;
  }, `run ${runId} to finish`);
}

async function productView(t: TestSearch, headers: Record<string, string>, externalId: string) {
  return (await t.app.inject({ method: 'GET', url: `/v1/catalog/products/${externalId}`, headers })).json();
}

describe('catalog images by URL', () => {
  let server: ImageServer;
  // A CDN having a bad day: every request answers 503.
  let unavailable: Server;
  let unavailableHits = 0;
  beforeAll(async () => {
    server = await startImageServer({ red: await productPhoto(0), blue: await productPhoto(1, 200) });
    unavailable = createServer((_request, response) => {
      unavailableHits += 1;
      response.writeHead(503).end();
    });
    await new Promise<void>((resolve) => unavailable.listen(0, '127.0.0.1', resolve));
  });
  afterAll(async () => {
    await server?.close();
    unavailable?.closeAllConnections();
    await new Promise((resolve) => unavailable?.close(resolve));
  });

  describe('with private addresses allowed (development)', () => {
    let t: TestSearch;
    beforeAll(async () => {
      t = await startTestSearch({
        env: { CATALOG_IMAGE_FETCH_ALLOW_PRIVATE: 'true' },
        catalog: { maxAttempts: 2 },
      });
    }, SETUP_TIMEOUT_MS);
    afterAll(() => t?.close());

    it('fetches, decodes and indexes every image of a product', async () => {
      const storeId = randomUUID();
      const owner = await t.merchant(storeId);
      const response = await t.app.inject({
        method: 'PUT',
        url: '/v1/catalog/products',
        headers: owner,
        payload: {
          products: [
            {
              external_id: 'two-photos',
              title: 'Two photos',
              images: [{ url: server.url('red') }, { url: server.url('blue') }],
            },
            { external_id: 'missing', title: 'Gone from the CDN', images: [{ url: server.url('nowhere') }] },
          ],
        },
      });
      expect(response.statusCode).toBe(202);
      const run = await finishedRun(t, owner, response.json().run_id);
      expect(run).toMatchObject({ total: 2, indexed: 1, failed: 1 });

      const product = await productView(t, owner, 'two-photos');
      expect(product).toMatchObject({
        index_state: 'indexed',
        images: [
          { position: 0, url: server.url('red'), width: 128, height: 128 },
          { position: 1, url: server.url('blue'), width: 200, height: 200 },
        ],
      });
      expect(product.images[0].sha256).toMatch(/^[0-9a-f]{64}$/);
      const vectors = await t.search.withStore(storeId, (trx) =>
        trx
          .selectFrom('search.product_vectors')
          .select(['vector_id', 'image_position'])
          .orderBy('vector_id')
          .execute(),
      );
      // Every catalog view of both photos, as many for each.
      const perImage = vectors.filter((v) => v.image_position === 0).length;
      expect(perImage).toBeGreaterThan(1);
      expect(vectors.filter((v) => v.image_position === 1)).toHaveLength(perImage);
      expect(vectors).toHaveLength(2 * perImage);

      const missing = await productView(t, owner, 'missing');
      expect(missing.index_state).toBe('failed');
      expect(missing.index_error).toMatch(/^image 1: 127\.0\.0\.1:\d+ answered HTTP 404$/);
    });

    it('retries an image host that is down, then gives up with its reason', async () => {
      const storeId = randomUUID();
      const owner = await t.merchant(storeId);
      const { port } = unavailable.address() as AddressInfo;
      const response = await t.app.inject({
        method: 'PUT',
        url: '/v1/catalog/products',
        headers: owner,
        payload: {
          products: [
            { external_id: 'flaky', title: 'Flaky', images: [{ url: `http://127.0.0.1:${port}/a.jpg` }] },
          ],
        },
      });
      expect(await finishedRun(t, owner, response.json().run_id)).toMatchObject({ total: 1, failed: 1 });
      const flaky = await productView(t, owner, 'flaky');
      expect(flaky.index_error).toBe(`image 1: 127.0.0.1:${port} answered HTTP 503`);
      // Two claims (maxAttempts), each with the fetcher's own three tries.
      expect(unavailableHits).toBe(6);
    });
  });

  describe('with the default configuration', () => {
    let t: TestSearch;
    beforeAll(async () => {
      t = await startTestSearch();
    }, SETUP_TIMEOUT_MS);
    afterAll(() => t?.close());

    it('refuses an image on a private address with a clear reason and indexes the rest', async () => {
      const storeId = randomUUID();
      const owner = await t.merchant(storeId);
      const requestsBefore = server.requests.length;
      const response = await t.app.inject({
        method: 'PUT',
        url: '/v1/catalog/products',
        headers: owner,
        payload: {
          products: [
            await inlineProduct('inline-1', 2),
            { external_id: 'internal', title: 'Internal', images: [{ url: server.url('red') }] },
            await inlineProduct('inline-2', 3),
          ],
        },
      });
      const runId = response.json().run_id;
      expect(await finishedRun(t, owner, runId)).toMatchObject({ total: 3, indexed: 2, failed: 1 });
      const final = await t.waitForEvent('catalog.indexing_progress', (e) => {
        const { run_id, indexed, failed, total } = e.payload as TopicPayload<'catalog.indexing_progress'>;
        return run_id === runId && indexed + failed === total;
      });
      expect(final.payload).toMatchObject({ indexed: 2, total: 3, failed: 1 });

      const internal = await productView(t, owner, 'internal');
      expect(internal.index_state).toBe('failed');
      expect(internal.index_error).toMatch(/^image 1: The address 127\.0\.0\.1 is .*loopback/i);
      expect(server.requests.length).toBe(requestsBefore);
      expect((await productView(t, owner, 'inline-1')).index_state).toBe('indexed');

      const failedList = (
        await t.app.inject({ method: 'GET', url: '/v1/catalog/products?index_state=failed', headers: owner })
      ).json();
      expect(failedList.products.map((p: { external_id: string }) => p.external_id)).toEqual(['internal']);
    });
  });
});
