import { randomUUID } from 'node:crypto';
import { ConnectorError, type SourceProduct } from '@nlyzer/connectors';
import { catalogProductId } from '@nlyzer/contracts';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ImageTestServer,
  sendImage,
  startImageTestServer,
} from '../catalog-images/image-test-server.ts';
import {
  eventually,
  type ScriptedCatalog,
  type SyncRunsSetup,
  scriptedConnector,
  sourceProduct,
  startSyncRuns,
} from './sync-runs-test-setup.ts';

const png = (width: number, height: number, colour: number) =>
  sharp({ create: { width, height, channels: 3, background: { r: colour, g: 80, b: 120 } } })
    .png()
    .toBuffer();

let setup: SyncRunsSetup;
let images: ImageTestServer;
/** What the image server serves, by path; a test swaps bytes behind a URL. */
const served = new Map<string, Buffer>();

beforeAll(async () => {
  served.set('/red.png', await png(640, 640, 200));
  served.set('/blue.png', await png(800, 600, 20));
  served.set('/small.png', await png(300, 200, 90));
  served.set('/text.txt', Buffer.from('not an image at all'));
  images = await startImageTestServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const body = served.get(path);
    if (body === undefined) {
      res.writeHead(404).end();
      return;
    }
    const etag = `"${body.length}-${body.subarray(0, 64).toString('base64').length}-${body.readUInt32BE(body.length - 8)}"`;
    if (req.headers['if-none-match'] === etag) {
      res.writeHead(304, { etag }).end();
      return;
    }
    sendImage(res, body, { 'content-type': path.endsWith('.txt') ? 'text/plain' : 'image/png', etag });
  });
  setup = await startSyncRuns();
}, 120_000);

afterAll(async () => {
  await setup?.close();
  await images?.close();
});

async function newStore(script: ScriptedCatalog) {
  const storeId = randomUUID();
  const connector = scriptedConnector(script);
  setup.connectors.set(storeId, connector);
  await setup.connect(storeId);
  return { storeId, connector };
}

async function upsertsOf(storeId: string, runId?: string) {
  const events = await setup.eventsOf('catalog.products_changed');
  return events
    .filter((e) => e.store_id === storeId && (runId === undefined || e.payload.run_id === runId))
    .flatMap((e) => e.payload.upserted);
}

async function deletesOf(storeId: string, runId?: string) {
  const events = await setup.eventsOf('catalog.products_changed');
  return events
    .filter((e) => e.store_id === storeId && (runId === undefined || e.payload.run_id === runId))
    .flatMap((e) => e.payload.deleted);
}

function catalogRows(storeId: string) {
  return setup.catalog.withStore(storeId, (trx) =>
    trx.selectFrom('catalog.products').selectAll().orderBy('external_id').execute(),
  );
}

describe('the diff engine in sync runs', () => {
  it('adds, then finds updated and unchanged products, publishing only what changed', async () => {
    const products = Array.from({ length: 230 }, (_, i) => sourceProduct(i));
    const { storeId, connector } = await newStore({ products, pageSize: 100 });

    const first = await setup.queue(storeId, 'full', 'onboarding');
    const run = await setup.waitForRun(storeId, first);
    expect(run).toMatchObject({
      state: 'succeeded',
      seen: 230,
      added: 230,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      failed: 0,
    });
    expect(run.expected).toBe(230);
    // Each run releases its connector's connections.
    expect(connector.closed).toBe(connector.fetches.length);
    // No product has images: nothing for search to embed, so indexing is over at once.
    expect(run.phase).toBe('done');
    expect(setup.indexedCalls.filter((c) => c.id === first)).toEqual([
      { id: first, storeId, trigger: 'onboarding' },
    ]);

    const events = (await setup.eventsOf('catalog.products_changed')).filter(
      (e) => e.payload.run_id === first,
    );
    expect(events.every((e) => e.payload.upserted.length <= 100)).toBe(true);
    const upserted = events.flatMap((e) => e.payload.upserted);
    expect(upserted).toHaveLength(230);
    expect(new Set(upserted.map((u) => u.product_id)).size).toBe(230);
    expect(upserted[0]).toMatchObject({
      product_id: catalogProductId(storeId, 'p00000'),
      external_id: 'p00000',
      price: { amount_minor: 1000, currency: 'EUR' },
      in_stock: true,
      image_urls: [],
      changed_images: true,
    });
    const completed = await setup.eventsOf('catalog.sync_completed');
    expect(completed.find((e) => e.payload.run_id === first)?.payload.counts).toEqual({
      added: 230,
      updated: 0,
      deleted: 0,
      failed: 0,
    });

    // Three products change on the platform; an incremental sync asks only for what changed since.
    for (const i of [3, 50, 170]) {
      products[i] = { ...products[i]!, title: `Renamed ${i}`, updatedAt: '2026-11-10T00:00:00.000Z' };
    }
    const second = await setup.queue(storeId, 'incremental', 'schedule');
    const incremental = await setup.waitForRun(storeId, second);
    // The high-water mark is the newest platform timestamp the first run saw (inclusive, as platforms filter).
    expect(connector.fetches.at(-1)?.since?.toISOString()).toBe('2026-11-01T00:03:49.000Z');
    expect(incremental).toMatchObject({ state: 'succeeded', seen: 4, updated: 3, added: 0, unchanged: 1 });
    expect((await upsertsOf(storeId, second)).map((u) => [u.external_id, u.title, u.changed_images])).toEqual(
      [
        ['p00003', 'Renamed 3', false],
        ['p00050', 'Renamed 50', false],
        ['p00170', 'Renamed 170', false],
      ],
    );

    // A full sync of the same catalog changes nothing and publishes nothing.
    const third = await setup.queue(storeId, 'full');
    expect(await setup.waitForRun(storeId, third)).toMatchObject({
      seen: 230,
      unchanged: 230,
      added: 0,
      updated: 0,
    });
    expect(await upsertsOf(storeId, third)).toEqual([]);
  });

  it('deletes what a full sync no longer sees and what the platform reports deleted', async () => {
    const products = Array.from({ length: 40 }, (_, i) => sourceProduct(i));
    const script: ScriptedCatalog = { products, pageSize: 15 };
    const { storeId } = await newStore(script);
    await setup.waitForRun(storeId, await setup.queue(storeId, 'full'));

    const vanished = products.splice(10, 5).map((p) => p.externalId);
    script.deleted = ['p00020'];
    products.splice(
      products.findIndex((p) => p.externalId === 'p00020'),
      1,
    );
    const runId = await setup.queue(storeId, 'full');
    const run = await setup.waitForRun(storeId, runId);
    expect(run).toMatchObject({ state: 'succeeded', deleted: 6, unchanged: 34 });
    const gone = [...vanished, 'p00020'].map((id) => catalogProductId(storeId, id)).sort();
    expect((await deletesOf(storeId, runId)).sort()).toEqual(gone);
    expect((await catalogRows(storeId)).map((r) => r.external_id)).toEqual(products.map((p) => p.externalId));
  });

  it('keeps a product a webhook added while the full sync was running', async () => {
    const products = Array.from({ length: 20 }, (_, i) => sourceProduct(i));
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { storeId } = await newStore({
      products,
      pageSize: 10,
      beforePage: (index) => (index === 1 ? held : undefined),
    });
    const runId = await setup.queue(storeId, 'full');
    await setup.waitForRun(storeId, runId, (run) => run.seen === 10);
    await setup.syncRuns.applyWebhookChanges(storeId, [{ kind: 'upsert', product: sourceProduct(5000) }]);
    release();
    expect(await setup.waitForRun(storeId, runId)).toMatchObject({ state: 'succeeded', deleted: 0 });
    expect((await catalogRows(storeId)).map((r) => r.external_id)).toContain('p05000');
  });

  it('re-embeds only when image bytes change, revalidating unchanged images on full syncs', async () => {
    served.set('/swap.png', served.get('/red.png')!);
    const withImages = (n: number, paths: string[], extra: Partial<SourceProduct> = {}) =>
      sourceProduct(n, {
        images: paths.map((p) => ({ url: images.url(p), alt: null, width: null, height: null })),
        ...extra,
      });
    const products = [
      withImages(1, ['/swap.png']),
      withImages(2, ['/blue.png']),
      withImages(3, ['/red.png']),
    ];
    const { storeId } = await newStore({ products, pageSize: 10 });
    const first = await setup.queue(storeId, 'full');
    const run = await setup.waitForRun(storeId, first);
    expect(run).toMatchObject({
      added: 3,
      images_fetched: 3,
      images_failed: 0,
      phase: 'indexing',
      indexing_expected: 3,
    });

    // Same URL, new bytes: a full sync's revalidation finds it; product 2 only changes its title.
    served.set('/swap.png', served.get('/blue.png')!);
    products[1] = withImages(2, ['/blue.png'], { title: 'Blue, renamed' });
    const requestsBefore = images.requests.length;
    const second = await setup.queue(storeId, 'full');
    expect(await setup.waitForRun(storeId, second)).toMatchObject({
      updated: 2,
      unchanged: 1,
      indexing_expected: 1,
    });
    const upserts = await upsertsOf(storeId, second);
    expect(upserts.map((u) => [u.external_id, u.changed_images])).toEqual([
      ['p00001', true],
      ['p00002', false],
    ]);
    // Every image was asked for conditionally; only the swapped one came back with bytes.
    const conditional = images.requests.slice(requestsBefore);
    expect(conditional).toHaveLength(3);
    expect(conditional.every((r) => r.headers['if-none-match'] !== undefined)).toBe(true);

    const stored = await setup.catalog.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.product_images').select(['product_id', 'sha256', 'width']).execute(),
    );
    const swapped = stored.find((row) => row.product_id === catalogProductId(storeId, 'p00001'));
    const blue = stored.find((row) => row.product_id === catalogProductId(storeId, 'p00002'));
    expect(swapped?.sha256).toBe(blue?.sha256);
    expect(swapped?.width).toBe(800);
  });

  it('rejects malformed products one by one with reasons in the run log while the rest go in', async () => {
    const products = [
      ...Array.from({ length: 100 }, (_, i) => sourceProduct(i)),
      sourceProduct(900, { externalId: '' }),
      sourceProduct(901, { price: { amountMinor: 1e16, currency: 'EUR' } }),
      sourceProduct(902, {
        images: Array.from({ length: 10_000 }, (_, i) => ({
          url: `https://cdn.test/${i}.jpg`,
          alt: null,
          width: null,
          height: null,
        })),
      }),
      sourceProduct(903, {
        images: [{ url: images.url('/text.txt'), alt: null, width: null, height: null }],
      }),
    ];
    const { storeId } = await newStore({
      products,
      pageSize: 25,
      rejected: [{ externalId: 'w-1', code: 'missing_title', message: 'no title in the feed' }],
    });
    const runId = await setup.queue(storeId, 'full');
    const run = await setup.waitForRun(storeId, runId);
    // 4 of 105 failed (3.8%): under the 5% limit, so the run succeeds.
    expect(run).toMatchObject({ state: 'succeeded', seen: 105, failed: 4, added: 101, images_failed: 1 });
    const response = await setup.app.inject({
      method: 'GET',
      url: `/v1/sync/runs/${runId}/log`,
      headers: await setup.merchant(storeId, 'analyst'),
    });
    expect(response.statusCode).toBe(200);
    const entries = response.json().entries as { external_id: string | null; code: string; level: string }[];
    expect(entries.map((e) => [e.external_id, e.code, e.level]).sort()).toEqual(
      [
        [null, 'missing_id', 'error'],
        ['p00901', 'invalid_price', 'error'],
        ['p00902', 'too_many_images', 'error'],
        ['p00903', 'image_not_image', 'warning'],
        ['w-1', 'missing_title', 'error'],
      ].sort(),
    );
    // The product whose only image is not one still goes to search (it indexes it as no_images).
    const upserts = await upsertsOf(storeId, runId);
    expect(upserts.find((u) => u.external_id === 'p00903')?.image_urls).toEqual([]);
  });

  it('fails a run whose error rate exceeds 5% and alerts, deleting nothing', async () => {
    const good = Array.from({ length: 30 }, (_, i) => sourceProduct(i));
    const script: ScriptedCatalog = { products: good, pageSize: 10 };
    const { storeId } = await newStore(script);
    await setup.waitForRun(storeId, await setup.queue(storeId, 'full'));

    script.products = [
      ...good.slice(0, 20),
      ...Array.from({ length: 3 }, (_, i) => sourceProduct(500 + i, { title: '' })),
    ];
    const runId = await setup.queue(storeId, 'full');
    const run = await setup.waitForRun(storeId, runId);
    expect(run).toMatchObject({
      state: 'failed',
      error_code: 'error_rate_exceeded',
      failed: 3,
      seen: 23,
      deleted: 0,
    });
    const alert = await eventually(
      async () => (await setup.eventsOf('catalog.sync_failed')).find((e) => e.payload.run_id === runId),
      'the alert',
    );
    expect(alert.payload.error.code).toBe('error_rate_exceeded');
    expect(alert.payload.error_rate).toBeCloseTo(3 / 23);
    expect(await catalogRows(storeId)).toHaveLength(30);
  });

  it('retries a retryable platform error with backoff and resumes where it stopped', async () => {
    const products = Array.from({ length: 50 }, (_, i) => sourceProduct(i));
    let failures = 0;
    const { storeId, connector } = await newStore({
      products,
      pageSize: 10,
      beforePage: (index) => {
        if (index === 2 && failures < 2) {
          failures += 1;
          throw new ConnectorError('platform_rate_limited', 'still throttled');
        }
      },
    });
    const runId = await setup.queue(storeId, 'full');
    const run = await setup.waitForRun(storeId, runId);
    expect(run).toMatchObject({ state: 'succeeded', attempts: 3, added: 50, error_code: null });
    // Each retry resumed after the last committed page.
    expect(connector.fetches.map((f) => f.cursor)).toEqual([null, '20', '20']);
    expect(await upsertsOf(storeId, runId)).toHaveLength(50);
  });

  it('fails at once on a non-retryable platform error', async () => {
    const { storeId } = await newStore({
      products: [sourceProduct(1)],
      pageSize: 10,
      beforePage: () => {
        throw new ConnectorError('platform_auth_failed', 'the access token was revoked');
      },
    });
    const runId = await setup.queue(storeId, 'full');
    expect(await setup.waitForRun(storeId, runId)).toMatchObject({
      state: 'failed',
      phase: 'done',
      attempts: 1,
      error_code: 'platform_auth_failed',
    });
    const alert = await eventually(
      async () => (await setup.eventsOf('catalog.sync_failed')).find((e) => e.payload.run_id === runId),
      'the alert',
    );
    expect(alert.payload.error).toEqual({
      code: 'platform_auth_failed',
      message: 'the access token was revoked',
    });
  });
});

describe('a run interrupted midway', () => {
  it('resumes after a restart with every product published exactly once', async () => {
    const products = Array.from({ length: 95 }, (_, i) => sourceProduct(i));
    let release: (() => void) | undefined;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    let stopped = false;
    const { storeId, connector } = await newStore({
      products,
      pageSize: 10,
      beforePage: async (index, options) => {
        // The first time through, page 4 hangs until the app closes under it.
        if (index === 4 && !stopped) {
          await new Promise<void>((resolve) => {
            options.signal?.addEventListener('abort', () => resolve(), { once: true });
            void blocked.then(resolve);
          });
          stopped = true;
        }
      },
    });
    const runId = await setup.queue(storeId, 'full');
    await setup.waitForRun(storeId, runId, (run) => run.seen === 40);
    await setup.restart();
    release?.();
    const run = await setup.waitForRun(storeId, runId);
    expect(run).toMatchObject({ state: 'succeeded', seen: 95, added: 95, attempts: 1 });
    expect(connector.fetches.map((f) => f.cursor)).toEqual([null, '40']);
    const upserts = await upsertsOf(storeId, runId);
    expect(upserts).toHaveLength(95);
    expect(new Set(upserts.map((u) => u.external_id)).size).toBe(95);
    expect(await catalogRows(storeId)).toHaveLength(95);
  });

  it('is taken over once the lease of a worker that died expires, from the last committed page', async () => {
    const products = Array.from({ length: 30 }, (_, i) => sourceProduct(i));
    const { storeId, connector } = await newStore({ products, pageSize: 10 });
    // A worker died holding the run after committing one page: the run is `running`,
    // its lease ran out, its cursor is after page 1 (whose products are in the catalog).
    const runId = await setup.queue(storeId, 'full');
    await setup.waitForRun(storeId, runId);
    const dead = await setup.queue(storeId, 'full');
    await setup.catalog.withStore(storeId, (trx) =>
      trx
        .updateTable('catalog.sync_runs')
        .set({
          state: 'running',
          phase: 'fetching',
          attempts: 1,
          cursor: '10',
          seen: 10,
          unchanged: 10,
          lease_until: new Date(Date.now() - 1000),
        })
        .where('id', '=', dead)
        .execute(),
    );
    await setup.catalog.withStore(storeId, (trx) =>
      trx
        .updateTable('catalog.products')
        .set({ seen_run_id: dead })
        .where(
          'external_id',
          'in',
          products.slice(0, 10).map((p) => p.externalId),
        )
        .execute(),
    );
    const run = await setup.waitForRun(storeId, dead);
    expect(run).toMatchObject({ state: 'succeeded', attempts: 2, seen: 30, unchanged: 30, deleted: 0 });
    expect(connector.fetches.at(-1)?.cursor).toBe('10');
  });
  it('rolls a page back whole when its transaction fails before commit, and redoes it exactly once', async () => {
    const products = Array.from({ length: 50 }, (_, i) => sourceProduct(i));
    const { storeId, connector } = await newStore({ products, pageSize: 10 });
    let injected = 0;
    // The page's products are written and its first event emitted when the failure hits.
    setup.failEmit = (topic, payload) => {
      const upserted = (payload as { upserted?: { external_id: string }[] }).upserted ?? [];
      if (
        topic !== 'catalog.products_changed' ||
        injected > 0 ||
        !upserted.some((u) => u.external_id === 'p00025')
      )
        return false;
      injected += 1;
      return true;
    };
    try {
      const runId = await setup.queue(storeId, 'full');
      const run = await setup.waitForRun(storeId, runId);
      expect(injected).toBe(1);
      expect(run).toMatchObject({ state: 'succeeded', attempts: 2, seen: 50, added: 50, unchanged: 0 });
      expect(connector.fetches.map((f) => f.cursor)).toEqual([null, '20']);
      const upserts = await upsertsOf(storeId, runId);
      expect(upserts.map((u) => u.external_id)).toEqual(products.map((p) => p.externalId));
    } finally {
      setup.failEmit = undefined;
    }
  });

  it('finishes a run that died after its last page without fetching again', async () => {
    const products = Array.from({ length: 12 }, (_, i) => sourceProduct(i));
    const { storeId, connector } = await newStore({ products, pageSize: 10 });
    await setup.waitForRun(storeId, await setup.queue(storeId, 'full'));
    const fetchesBefore = connector.fetches.length;
    const dead = await setup.queue(storeId, 'full');
    await setup.catalog.withStore(storeId, async (trx) => {
      await trx
        .updateTable('catalog.sync_runs')
        .set({
          state: 'running',
          phase: 'finishing',
          attempts: 1,
          seen: 11,
          unchanged: 11,
          lease_until: new Date(0),
        })
        .where('id', '=', dead)
        .execute();
      // Product p00011 was not seen by the dead run: its end deletes it.
      await trx
        .updateTable('catalog.products')
        .set({ seen_run_id: dead })
        .where('external_id', '!=', 'p00011')
        .execute();
    });
    const run = await setup.waitForRun(storeId, dead);
    expect(run).toMatchObject({ state: 'succeeded', deleted: 1, seen: 11 });
    expect(connector.fetches.length).toBe(fetchesBefore);
    expect(await deletesOf(storeId, dead)).toEqual([catalogProductId(storeId, 'p00011')]);
  });
});

describe('indexing progress', () => {
  it('completes the run once search reports every product it was handed, and only then', async () => {
    const products = Array.from({ length: 4 }, (_, i) =>
      sourceProduct(i, {
        images: [{ url: images.url(i % 2 ? '/red.png' : '/blue.png'), alt: null, width: null, height: null }],
      }),
    );
    const { storeId } = await newStore({ products, pageSize: 2 });
    const runId = await setup.queue(storeId, 'full', 'onboarding');
    const run = await setup.waitForRun(storeId, runId);
    expect(run).toMatchObject({ phase: 'indexing', indexing_expected: 4 });

    // An early report (search had only the first batch) ends nothing.
    await setup.publishAsSearch(storeId, 'catalog.indexing_progress', {
      store_id: storeId,
      run_id: runId,
      indexed: 2,
      total: 2,
      failed: 0,
    });
    await setup.waitForRun(storeId, runId, (r) => r.indexing_total === 2);
    expect((await setup.waitForRun(storeId, runId)).phase).toBe('indexing');

    const final = { store_id: storeId, run_id: runId, indexed: 3, total: 4, failed: 1 };
    await setup.publishAsSearch(storeId, 'catalog.indexing_progress', final);
    await setup.waitForRun(storeId, runId, (r) => r.phase === 'done');
    // A repeated report (a redelivery, another instance) does not complete it twice.
    await setup.publishAsSearch(storeId, 'catalog.indexing_progress', final);
    await setup.publishAsSearch(storeId, 'catalog.indexing_progress', { ...final, run_id: null });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(setup.indexedCalls.filter((c) => c.id === runId)).toEqual([
      { id: runId, storeId, trigger: 'onboarding' },
    ]);
    expect(await setup.waitForRun(storeId, runId)).toMatchObject({
      indexing_indexed: 3,
      indexing_failed: 1,
      indexing_total: 4,
    });
  });
});

describe('indexing reported before the run finished', () => {
  it('completes the run as it finishes when search already reported everything', async () => {
    // Finishing fails (its alert cannot be written) until search's final report is in.
    await setup.restart({ maxAttempts: 50, retryBaseMs: 20 });
    let searchReported = false;
    setup.failEmit = (topic) => topic === 'catalog.sync_completed' && !searchReported;
    try {
      const products = Array.from({ length: 4 }, (_, i) =>
        sourceProduct(i, { images: [{ url: images.url('/red.png'), alt: null, width: null, height: null }] }),
      );
      const { storeId } = await newStore({ products, pageSize: 2 });
      const runId = await setup.queue(storeId, 'full', 'onboarding');
      await setup.waitForRun(storeId, runId, (r) => r.phase === 'finishing' && r.attempts >= 2);
      await setup.publishAsSearch(storeId, 'catalog.indexing_progress', {
        store_id: storeId,
        run_id: runId,
        indexed: 4,
        total: 4,
        failed: 0,
      });
      const recorded = await setup.waitForRun(storeId, runId, (r) => r.indexing_total === 4);
      expect(recorded.phase).toBe('finishing');
      searchReported = true;
      expect(await setup.waitForRun(storeId, runId)).toMatchObject({ state: 'succeeded', phase: 'done' });
      expect(setup.indexedCalls.filter((c) => c.id === runId)).toHaveLength(1);
    } finally {
      setup.failEmit = undefined;
      await setup.restart({});
    }
  });
});

describe('the run log', () => {
  it('keeps the first 10,000 entries of a run while its counts stay exact', async () => {
    const rejected = Array.from({ length: 10_050 }, (_, i) => ({
      externalId: `bad-${String(i).padStart(5, '0')}`,
      code: 'missing_title',
      message: 'no title',
    }));
    const { storeId } = await newStore({ products: [sourceProduct(1)], pageSize: 10, rejected });
    const runId = await setup.queue(storeId, 'full');
    expect(await setup.waitForRun(storeId, runId)).toMatchObject({ failed: 10_050, seen: 10_051, added: 1 });
    const logged = await setup.catalog.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.sync_run_log').select('external_id').orderBy('seq').execute(),
    );
    expect(logged).toHaveLength(10_000);
    expect(logged[0]?.external_id).toBe('bad-00000');
    expect(logged.at(-1)?.external_id).toBe('bad-09999');
  });
});
