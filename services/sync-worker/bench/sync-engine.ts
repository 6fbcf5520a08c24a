/**
 * Throughput of the sync engine alone: a scripted connector serves N products in pages of
 * 250 (Shopify's page size), a run takes them into the catalog on PGlite in memory and
 * publishes them (the outbox relays to an in-process bus nobody listens to), without
 * images and with one image per product from a local HTTP server; then an incremental
 * run with 1% of the products changed.
 *
 *   node services/sync-worker/bench/sync-engine.ts [--products 10000] [--page-size 250]
 *
 * Progress on stderr; the last line on stdout is JSON.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { busMigrations, createInProcessBus, createOutbox } from '@nlyzer/bus';
import type { SourceProduct } from '@nlyzer/connectors';
import { migrate, openDatabase } from '@nlyzer/db';
import { createApp, createLogger, loadConfig } from '@nlyzer/service-kit';
import sharp from 'sharp';
import type { CatalogTables } from '../src/catalog-tables.ts';
import { syncWorkerConfigSchema } from '../src/config.ts';
import { registerSyncRuns, type SyncRuns } from '../src/features/sync-runs/register-sync-runs.ts';
import {
  type ScriptedCatalog,
  scriptedConnector,
  sourceProduct,
} from '../src/features/sync-runs/scripted-connector.ts';
import { type SyncContext, withStoreEvents } from '../src/sync-context.ts';

const { values: args } = parseArgs({
  options: {
    products: { type: 'string', default: '10000' },
    'page-size': { type: 'string', default: '250' },
  },
});
const productCount = Number(args.products);
const pageSize = Number(args['page-size']);
const progress = (line: string) => process.stderr.write(`${line}\n`);

const db = await openDatabase<CatalogTables>({
  pgliteTemplateCache: path.resolve(import.meta.dirname, '../../../node_modules/.cache/nlyzer'),
});
await migrate(db, [busMigrations, { schema: 'catalog', folder: new URL('../migrations/', import.meta.url) }]);
const bus = createInProcessBus();
const logger = createLogger({ service: 'sync-worker', level: 'warn' });
const outbox = createOutbox({ db, bus, source: 'sync-worker' });
outbox.start();
const config = loadConfig(syncWorkerConfigSchema, {
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  NLYZER_DATA_DIR: 'memory://',
  PLATFORM_FETCH_ALLOW_PRIVATE: 'true',
});
const context: SyncContext = { config, db, outbox, logger };
const scripts = new Map<string, ScriptedCatalog>();
const app = await createApp({ name: 'sync-worker', config, db, bus, outbox, logger });
const syncRuns: SyncRuns = await registerSyncRuns(
  app,
  context,
  {
    connectorFor: async (storeId) => scriptedConnector(scripts.get(storeId)!),
    onRunIndexed: async () => {},
  },
  { pollIntervalMs: 20 },
);
await app.ready();

// One 800 × 800 PNG behind every URL: the inspector still downloads, hashes and measures each.
const picture = await sharp({ create: { width: 800, height: 800, channels: 3, background: '#a04060' } })
  .png()
  .toBuffer();
const images = createServer((req, res) => {
  if (req.headers['if-none-match'] === '"v1"') {
    res.writeHead(304, { etag: '"v1"' }).end();
    return;
  }
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': picture.length, etag: '"v1"' });
  res.end(picture);
});
await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
const imageOrigin = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;

async function timeRun(storeId: string, mode: 'full' | 'incremental') {
  const started = performance.now();
  const { runId } = await withStoreEvents(outbox, storeId, (trx, emit) =>
    syncRuns.queueRun(trx, emit, { storeId, trigger: 'manual', mode }),
  );
  for (;;) {
    const run = await db.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.sync_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow(),
    );
    if (run.state === 'succeeded' || run.state === 'failed') {
      const seconds = (performance.now() - started) / 1000;
      const pages = Math.ceil(run.seen / pageSize);
      return {
        state: run.state,
        seconds: Number(seconds.toFixed(2)),
        seen: run.seen,
        added: run.added,
        updated: run.updated,
        images_fetched: run.images_fetched,
        pages_per_s: Number((pages / seconds).toFixed(1)),
        products_per_s: Math.round(run.seen / seconds),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function scenario(name: string, withImages: boolean) {
  const storeId = randomUUID();
  const products: SourceProduct[] = Array.from({ length: productCount }, (_, i) =>
    sourceProduct(i, {
      images: withImages ? [{ url: `${imageOrigin}/p/${i}.png`, alt: null, width: null, height: null }] : [],
    }),
  );
  scripts.set(storeId, { products, pageSize });
  await db.withStore(storeId, (trx) =>
    trx
      .insertInto('catalog.connections')
      .values({
        store_id: storeId,
        platform: 'custom',
        state: 'connected',
        source: `https://${storeId}.bench/feed`,
      })
      .execute(),
  );
  progress(`${name}: initial full sync of ${productCount} products`);
  const initial = await timeRun(storeId, 'full');
  progress(`${name}: ${JSON.stringify(initial)}`);
  const changed = Math.max(1, Math.round(productCount / 100));
  for (let i = 0; i < changed; i += 1) {
    const n = Math.floor((i * productCount) / changed);
    products[n] = { ...products[n]!, title: `Changed ${n}`, updatedAt: '2026-12-01T00:00:00.000Z' };
  }
  progress(`${name}: incremental sync with ${changed} changed`);
  const incremental = await timeRun(storeId, 'incremental');
  progress(`${name}: ${JSON.stringify(incremental)}`);
  return { initial, incremental };
}

const noImages = await scenario('no images', false);
const withImages = await scenario('one image each', true);

await app.close();
await outbox.stop();
await bus.close();
await db.close();
await new Promise((resolve) => images.close(resolve));

console.log(
  JSON.stringify({
    bench: 'sync-engine',
    database: 'pglite',
    products: productCount,
    page_size: pageSize,
    no_images: noImages,
    with_images: withImages,
  }),
);
