/**
 * Indexing throughput of the search service as it runs: a generated store (one 640 px
 * JPEG a product, served by a local HTTP server) upserted by URL through the catalog
 * code in batches of 100 (as catalog.products_changed delivers them), indexed by the real
 * worker (claim → fetch → analyse → write → vector index caught up), then checked
 * searchable: every product's vectors in the index and a sample found by its own vector.
 *
 *   node bench/indexing-bench.ts [--products 2000,10000] [--runs 3] [--seed 1]
 *     [--threads N] [--batch 32] [--concurrency 2] [--catalog-root DIR] [--catalog-size 10000]
 *     [--postgres]
 *
 * A store size listed with several runs reports the median run. CPU is the whole
 * process's (every thread: the worker's analysis threads, the database when it is
 * PGlite, the image server). Progress on stderr; one JSON object per store size on stdout.
 */
import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { busMigrations, createInProcessBus, createOutbox } from '@nlyzer/bus';
import { migrate, openDatabase } from '@nlyzer/db';
import { DEFAULT_CATALOG_SEED } from '@nlyzer/demo-catalog';
import { createApp, createLogger, loadConfig } from '@nlyzer/service-kit';
import { startPostgres } from '@nlyzer/testing';
import { registerSearchFeatures, searchContext } from '../src/app.ts';
import { searchConfigSchema } from '../src/config.ts';
import { type CatalogProduct, upsertCatalogProducts } from '../src/features/catalog/catalog-writes.ts';
import { demoCatalogFiles } from '../src/features/demo/demo-catalog.ts';
import { vectorFromBytes } from '../src/indexes/vector-bytes.ts';
import { service } from '../src/service.ts';
import { type BenchCatalog, firstProducts } from './bench-photos.ts';
import { BENCH_CACHE, type Measurement, median, printMeasurements, progress, round } from './bench-report.ts';
import { waitIndexed } from './bench-search-app.ts';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    products: { type: 'string', default: '2000,10000' },
    runs: { type: 'string', default: '3' },
    seed: { type: 'string', default: String(DEFAULT_CATALOG_SEED) },
    threads: { type: 'string' },
    batch: { type: 'string' },
    concurrency: { type: 'string' },
    'catalog-root': { type: 'string', default: path.join(BENCH_CACHE, 'demo-catalog') },
    /** Stores are the first N products of this catalog (rendered once under the root). */
    'catalog-size': { type: 'string', default: '10000' },
    postgres: { type: 'boolean', default: false },
  },
});
const SIZES = args.products!.split(',').map(Number);
const RUNS = Number(args.runs);
const SEED = Number(args.seed);
const intOption = (value: string | undefined): number | undefined =>
  value === undefined ? undefined : Number(value);
const WORKER_OPTIONS = Object.fromEntries(
  Object.entries({
    analysisThreads: intOption(args.threads),
    batchSize: intOption(args.batch),
    concurrency: intOption(args.concurrency),
  }).filter(([, value]) => value !== undefined),
) as { analysisThreads?: number; batchSize?: number; concurrency?: number };
/** Products a catalog.products_changed event carries at most. */
const UPSERT_BATCH = 100;
/** Products whose own first vector must come back first from the index. */
const SEARCH_SAMPLE = 50;

interface RunResult {
  seconds: number;
  cpuMs: number;
  failed: number;
  vectors: number;
  foundBySearch: number;
}

/** The catalog's image files over HTTP, as a store's CDN would serve them. */
async function serveImages(dir: string): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    const file = path.join(dir, path.normalize(decodeURIComponent(request.url ?? '/')));
    if (!file.startsWith(dir)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'image/jpeg' });
    createReadStream(file)
      .on('error', () => response.destroy())
      .pipe(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

function productsByUrl(catalog: BenchCatalog, origin: string): CatalogProduct[] {
  return catalog.manifest.products.map((entry) => ({
    externalId: entry.externalId,
    title: entry.title,
    description: entry.description,
    price: entry.price,
    categories: [entry.category],
    inStock: entry.inStock,
    images: entry.images.map((image) => ({ url: `${origin}/${image}` })),
  }));
}

async function indexOnce(catalog: BenchCatalog, origin: string): Promise<RunResult> {
  const cluster = args.postgres ? await startPostgres() : null;
  const db = await openDatabase(
    cluster === null ? { pgliteTemplateCache: BENCH_CACHE } : { url: cluster.url },
  );
  const dataDir = await mkdtemp(path.join(tmpdir(), 'indexing-bench-'));
  try {
    await migrate(db, [busMigrations, service.migrations]);
    const config = loadConfig(searchConfigSchema, {
      ...process.env,
      LOG_LEVEL: 'warn',
      NLYZER_DATA_DIR: dataDir,
      VECTOR_INDEX_DIR: path.join(dataDir, 'vector-index'),
      CATALOG_IMAGE_FETCH_ALLOW_PRIVATE: 'true',
    });
    const logger = createLogger({ service: 'search', level: config.LOG_LEVEL });
    const bus = createInProcessBus();
    const outbox = createOutbox({ db, bus, source: 'search', logger });
    const deps = { config, db, bus, outbox, logger };
    const context = searchContext(deps);
    const app = await createApp({ name: 'search', config, db, bus, outbox, logger });
    await registerSearchFeatures(app, context, { catalog: WORKER_OPTIONS });
    await app.ready();
    outbox.start();
    try {
      const storeId = randomUUID();
      const products = productsByUrl(catalog, origin);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      for (let start = 0; start < products.length; start += UPSERT_BATCH) {
        await upsertCatalogProducts(context, storeId, products.slice(start, start + UPSERT_BATCH), {
          source: 'api',
        });
      }
      const failed = await waitIndexed(context, storeId, products.length);
      const seconds = (performance.now() - started) / 1000;
      const cpu = process.cpuUsage(cpuBefore);
      const embedder = await context.embedders.embedder(context.embedders.defaultKind);
      const index = context.indexes.for(embedder);
      return {
        seconds,
        cpuMs: (cpu.user + cpu.system) / 1000,
        failed,
        vectors: await index.count(storeId),
        foundBySearch: await searchSample(context, storeId, index),
      };
    } finally {
      await app.close();
      await outbox.stop();
      await bus.close();
    }
  } finally {
    await db.close();
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** How many of a sample of products come first when the index is asked with their own original view. */
async function searchSample(
  context: ReturnType<typeof searchContext>,
  storeId: string,
  index: ReturnType<ReturnType<typeof searchContext>['indexes']['for']>,
): Promise<number> {
  const rows = await context.db.withStore(storeId, (trx) =>
    trx
      .selectFrom('search.product_vectors')
      .select(['product_id', 'vector'])
      .where('store_id', '=', storeId)
      .where('image_position', '=', 0)
      .where('view', '=', 0)
      .limit(SEARCH_SAMPLE)
      .execute(),
  );
  let found = 0;
  for (const row of rows) {
    const [best] = await index.query(storeId, vectorFromBytes(row.vector), { topK: 1 });
    if (best?.metadata.productId === row.product_id) found++;
  }
  return found;
}

const largest = Math.max(...SIZES);
const catalogSize = Math.max(largest, Number(args['catalog-size']));
const full: BenchCatalog = {
  ...(await demoCatalogFiles(args['catalog-root']!, {
    products: catalogSize,
    seed: SEED,
    onProgress: (done, total) => {
      if (done % 500 === 0 || done === total) progress(`catalog: rendered ${done}/${total} products`);
    },
  })),
  seed: SEED,
};
const { server, origin } = await serveImages(full.dir);
const measurements: Measurement[] = [];
try {
  for (const size of SIZES) {
    const catalog = firstProducts(full, size);
    const runs = size === largest && SIZES.length > 1 ? 1 : RUNS;
    const results: RunResult[] = [];
    for (let run = 1; run <= runs; run++) {
      progress(`indexing ${size} products, run ${run}/${runs}`);
      const result = await indexOnce(catalog, origin);
      progress(
        `  ${round(size / result.seconds, 1)} products/s, ${round(result.cpuMs / size, 1)} ms CPU a product`,
      );
      results.push(result);
    }
    const chosen = results.find((result) => result.seconds === median(results.map((r) => r.seconds)))!;
    measurements.push({
      bench: 'indexing',
      products: size,
      products_per_s: round(size / chosen.seconds, 1),
      cpu_ms_per_product: round(chosen.cpuMs / size, 1),
      seconds: round(chosen.seconds, 1),
      runs: results.map((result) => round(size / result.seconds, 1)),
      failed: chosen.failed,
      vectors: chosen.vectors,
      found_by_search: `${chosen.foundBySearch}/${Math.min(SEARCH_SAMPLE, size)}`,
      database: args.postgres ? 'postgres-15-local' : 'pglite',
      worker: WORKER_OPTIONS,
    });
  }
} finally {
  server.close();
}
printMeasurements(measurements);
