import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productPhoto } from '../../../test/catalog-fixtures.ts';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSearch,
  type TestSearch,
} from '../../../test/search-harness.ts';
import { upsertCatalogProducts } from '../catalog/catalog-writes.ts';
import { setEmbedder } from '../store-settings/settings-store.ts';
import { claimWork, readTickets, stillHeldTickets, type Ticket } from './indexing-queue.ts';

describe('indexing worker', () => {
  let t: TestSearch;
  beforeAll(async () => {
    // Started by the test, after it has played a worker that crashed holding a claim.
    // On the main thread here, so both analysis paths are exercised by the suite.
    t = await startTestSearch({ deferStart: true, catalog: { leaseSeconds: 1, analysisThreads: 0 } });
  }, SETUP_TIMEOUT_MS);
  afterAll(() => t?.close());

  it('drops the result of a claim that outlived its lease once the product was claimed again', async () => {
    const storeId = randomUUID();
    const productId = randomUUID();
    await t.search.withStore(storeId, (trx) =>
      trx.insertInto('search.indexing_queue').values({ store_id: storeId, product_id: productId }).execute(),
    );
    const key = { storeId, productId };
    expect(await claimWork(t.search, 10, 1)).toEqual([key]);
    const ticketOf = async (trx: Parameters<Parameters<typeof t.search.withStore>[1]>[0]): Promise<Ticket> =>
      (await readTickets(trx, storeId, [productId])).get(productId)!;
    const stale = await t.search.withStore(storeId, ticketOf);
    expect(await claimWork(t.search, 10, 1)).toEqual([]);
    await sleep(1100);
    expect(await claimWork(t.search, 10, 1)).toEqual([key]);
    const held = await t.search.withStore(storeId, async (trx) => {
      const current = await ticketOf(trx);
      return {
        attempts: current.attempts,
        stale: (await stillHeldTickets(trx, [stale])).length === 1,
        current: (await stillHeldTickets(trx, [current])).length === 1,
      };
    });
    expect(held).toEqual({ attempts: 2, stale: false, current: true });
    await t.search.withStore(storeId, (trx) => trx.deleteFrom('search.indexing_queue').execute());
  });

  it('retries a product whose worker died mid-run once its lease expires, counting it once', async () => {
    const storeId = randomUUID();
    const products = await Promise.all(
      [0, 1, 2].map(async (i) => ({
        externalId: `p-${i}`,
        title: `Product ${i}`,
        images: [{ data: await productPhoto(i) }],
      })),
    );
    // The seeding path: bytes in, no base64.
    const { runId, queued } = await upsertCatalogProducts(t.context, storeId, products, { source: 'api' });
    expect(queued).toBe(3);

    const claimedAt = Date.now();
    const [crashed] = await claimWork(t.search, 1, 1);
    expect(crashed).toBeDefined();
    await t.start();

    const run = await eventually(
      () =>
        t.search.withStore(storeId, (trx) =>
          trx
            .selectFrom('search.indexing_runs')
            .selectAll()
            .where('run_id', '=', runId!)
            .where('finished_at', 'is not', null)
            .executeTakeFirst(),
        ),
      'the run to finish',
    );
    expect(run).toMatchObject({ total: 3, indexed: 3, failed: 0 });
    // A row goes once the vector index has the product, just after the run counted it.
    await eventually(async () => {
      const queue = await t.search.withStore(storeId, (trx) =>
        trx.selectFrom('search.indexing_queue').selectAll().execute(),
      );
      return queue.length === 0 ? true : undefined;
    }, 'the queue to empty');
    const state = await t.search.withStore(storeId, async (trx) => ({
      products: await trx
        .selectFrom('search.products')
        .select(['product_id', 'index_state', 'updated_at'])
        .execute(),
      vectors: await trx.selectFrom('search.product_vectors').select(['product_id', 'vector_id']).execute(),
      queue: await trx.selectFrom('search.indexing_queue').selectAll().execute(),
    }));
    expect(state.products.map((p) => p.index_state)).toEqual(['indexed', 'indexed', 'indexed']);
    // Each product's views written once: no doubled rows for the product that was retried.
    const perProduct = Object.groupBy(state.vectors, (v) => v.product_id);
    expect(Object.keys(perProduct)).toHaveLength(3);
    expect(new Set(Object.values(perProduct).map((rows) => rows!.length)).size).toBe(1);
    expect(new Set(state.vectors.map((v) => v.vector_id)).size).toBe(state.vectors.length);
    expect(state.queue).toEqual([]);
    const retried = state.products.find((p) => p.product_id === crashed!.productId)!;
    expect(retried.updated_at.getTime()).toBeGreaterThanOrEqual(claimedAt + 950);
  });

  it("keeps products waiting, not failed, while the store's embedder is unavailable on this platform", async () => {
    const storeId = randomUUID();
    // No ONNX_MODEL_DIR here: the onnx embedder cannot be built.
    await t.search.withStore(storeId, (trx) => setEmbedder(trx, storeId, 'onnx'));
    await upsertCatalogProducts(
      t.context,
      storeId,
      [{ externalId: 'waiting', title: 'Waiting', images: [{ data: await productPhoto(6) }] }],
      { source: 'api' },
    );
    const row = await eventually(async () => {
      const queued = await t.search.withStore(storeId, (trx) =>
        trx.selectFrom('search.indexing_queue').select(['attempts', 'last_error']).executeTakeFirst(),
      );
      return queued?.last_error === null ? undefined : queued;
    }, 'the first attempt');
    expect(row.last_error).toMatch(/^the onnx embedder is unavailable: /);
    expect(row.attempts).toBe(0);
    const product = await t.search.withStore(storeId, (trx) =>
      trx.selectFrom('search.products').select(['index_state', 'index_error']).executeTakeFirstOrThrow(),
    );
    expect(product).toEqual({ index_state: 'pending', index_error: null });
  });
});
