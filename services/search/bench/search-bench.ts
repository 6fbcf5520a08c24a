/**
 * Speed of the search service, from the vector index up to an HTTP search:
 *   a. the vectors package's index bench (query p50/p95, recall@10 vs exact, memory), re-emitted;
 *   b. query-side image work per shopper photo (decode, descriptor, StyleDNA) and the
 *      indexing worker's catalog throughput;
 *   c. HTTP searches of 640 px shopper photos against the app as the service builds it,
 *      on a store of real generated products padded to a realistic size: cache off at
 *      concurrency 8 (median of several runs), cache on, and where one search's time goes.
 *
 *   pnpm bench:search [--products 200] [--pad-to 10000] [--duration 20] [--runs 3]
 *                     [--concurrency 8] [--vector-sizes 10000,100000] [--skip-vectors] [--postgres]
 * PGlite in memory, DATABASE_URL, or with --postgres a throwaway Postgres 15 cluster.
 * Progress on stderr; the last lines on stdout are one JSON object per measurement.
 * Timings on a shared machine: run this as is and `nice -n 10` the other work.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CATALOG_SEED } from '@nlyzer/demo-catalog';
import { createDescriptorEmbedder, decodeImage, extractStyleDna } from '@nlyzer/vision';
import { productSummaries } from '../src/features/image-search/search-products.ts';
import { CATALOG_DECODE } from '../src/features/indexing/image-analysis.ts';
import { readSettings } from '../src/features/store-settings/settings-store.ts';
import { benchCatalog, firstProducts, type ShopperPhoto, shopperPhotos } from './bench-photos.ts';
import {
  ascending,
  jsonLinesOf,
  type Measurement,
  median,
  percentile,
  printMeasurements,
  progress,
  round,
  seconds,
  WORKSPACE,
} from './bench-report.ts';
import {
  BENCH_ORIGIN,
  type BenchSearch,
  benchWidgetToken,
  loadStore,
  openBenchDatabase,
  startBenchSearch,
} from './bench-search-app.ts';
import { type LoadOutcome, runLoad } from './http-load.ts';
import { indexAgreement } from './index-agreement.ts';
import { padStore } from './pad-store.ts';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    products: { type: 'string', default: '200' },
    'pad-to': { type: 'string', default: '10000' },
    duration: { type: 'string', default: '20' },
    runs: { type: 'string', default: '3' },
    concurrency: { type: 'string', default: '8' },
    'vector-sizes': { type: 'string', default: '10000,100000' },
    'skip-vectors': { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
    /** Per-dimension deviation of the padding's noise; auto: as far as real nearest neighbours. */
    noise: { type: 'string', default: 'auto' },
  },
});
const REAL_PRODUCTS = Number(args.products);
const PAD_TO = Number(args['pad-to']);
const DURATION_MS = Number(args.duration) * 1000;
const RUNS = Number(args.runs);
const CONCURRENCY = Number(args.concurrency);
/** The shared catalog folder the quality bench renders too (products are the same whatever the size). */
const CATALOG_PRODUCTS = Math.max(REAL_PRODUCTS, 300);
const PHOTOS = 50;
/** What the engine asks the index for when a widget wants its default 12 results (6 vectors per result, at least 60). */
const ENGINE_TOP_K = 72;
/** The enterprise tier's widget searches per store per minute, less a margin: more would be refused. */
const RATE_BUDGET = 5_900;

const benchStarted = performance.now();
const measurements: Measurement[] = [];

if (!args['skip-vectors']) {
  progress('vector index: the vectors package bench (over ten minutes with 100K on 2 cores)');
  const lines = await jsonLinesOf(
    process.execPath,
    [
      path.join(WORKSPACE, 'packages/vectors/bench/vector-bench.ts'),
      '--sizes',
      args['vector-sizes']!,
      // The built-in embedder's width, so the figures hold for the vectors the service stores.
      '--dims',
      String(createDescriptorEmbedder().dims),
    ],
    path.join(WORKSPACE, 'packages/vectors'),
  );
  for (const { bench, ...line } of lines) {
    measurements.push({
      bench: 'search',
      part: bench === 'vectors' ? 'vector-index' : String(bench),
      ...line,
    });
  }
}

const catalog = await benchCatalog(CATALOG_PRODUCTS, DEFAULT_CATALOG_SEED);
const realCatalog = firstProducts(catalog, REAL_PRODUCTS);
const photographed = realCatalog.manifest.products.slice(0, PHOTOS);
measurements.push(
  await embeddingTimes(await shopperPhotos(catalog, photographed, [{ difficulty: 'normal', seed: 31 }])),
);
const httpPhotos = await shopperPhotos(catalog, photographed, [
  { difficulty: 'normal', seed: 41, width: 640, height: 480 },
]);

const database = await openBenchDatabase({
  databaseUrl: process.env.DATABASE_URL,
  throwawayPostgres: args.postgres!,
});
const { db } = database;
const dataDir = await mkdtemp(path.join(tmpdir(), 'search-bench-'));
const env = (cacheTtlSeconds: number) => ({
  LOG_LEVEL: 'info',
  ...process.env,
  NLYZER_DATA_DIR: dataDir,
  VECTOR_INDEX_DIR: path.join(dataDir, 'vector-index'),
  SEARCH_CACHE_TTL_SECONDS: String(cacheTtlSeconds),
});
const storeId = randomUUID();
const summary: Measurement = { bench: 'search', products: PAD_TO, db: database.kind };
try {
  const uncached = await startBenchSearch(db, env(0), { listen: true });
  try {
    progress(`store: loading ${REAL_PRODUCTS} generated products through the catalog upsert`);
    const loaded = await loadStore(uncached, storeId, realCatalog);
    measurements.push({
      bench: 'search',
      part: 'indexing',
      products: loaded.products,
      images: loaded.images,
      failed: loaded.failed,
      seconds: loaded.seconds,
      products_per_s: round(loaded.products / loaded.seconds),
      images_per_s: round(loaded.images / loaded.seconds),
      ms_per_product: round((loaded.seconds * 1000) / loaded.products, 1),
      concurrency: uncached.config.INDEXING_CONCURRENCY,
    });
    const noise = args.noise === 'auto' ? 'auto' : Number(args.noise);
    const padStarted = performance.now();
    const padded = await padStore(uncached.context, storeId, PAD_TO, { noise, seed: 7 });
    const padSeconds = seconds(padStarted);
    progress(`store: padded with ${padded.added} products (${padded.vectors} vectors)`);
    const token = await benchWidgetToken(uncached.config, storeId);
    const caughtUp = performance.now();
    await sequential(uncached, token, httpPhotos.slice(0, 1));
    measurements.push({
      bench: 'search',
      part: 'padding',
      products: PAD_TO,
      added: padded.added,
      added_vectors: padded.vectors,
      insert_s: padSeconds,
      noise: round(padded.noise, 5),
      median_real_neighbour_similarity: round(padded.medianNeighbourSimilarity, 4),
      mean_similarity_to_source: round(padded.meanSimilarityToSource, 4),
      first_search_catch_up_ms: Math.round(performance.now() - caughtUp),
    });

    progress('http: sequential searches and where their time goes');
    await sequential(uncached, token, httpPhotos);
    const alone = await sequential(uncached, token, [...httpPhotos, ...httpPhotos]);
    const parts = await breakdown(uncached, storeId, httpPhotos, alone);
    measurements.push(parts);
    Object.assign(summary, {
      sequential_http_p50_ms: parts.http_p50_ms,
      sequential_http_p95_ms: parts.http_p95_ms,
    });

    const runs: LoadFigures[] = [];
    for (let run = 1; run <= RUNS; run++) {
      progress(`http: cache off, concurrency ${CONCURRENCY}, run ${run}/${RUNS} (${DURATION_MS / 1000} s)`);
      runs.push(loadFigures(await load(uncached, token, httpPhotos, RATE_BUDGET)));
    }
    const off = medianOfRuns(runs);
    measurements.push({
      bench: 'search',
      part: 'http',
      cache: 'off',
      products: PAD_TO,
      concurrency: CONCURRENCY,
      runs: RUNS,
      ...off,
    });
    Object.assign(summary, {
      http_p50_ms: off.http_p50_ms,
      http_p95_ms: off.http_p95_ms,
      http_p99_ms: off.http_p99_ms,
      rps: off.rps,
      engine_p50_ms: off.engine_p50_ms,
    });
  } finally {
    await uncached.close();
  }

  const cached = await startBenchSearch(db, env(300), { listen: true });
  try {
    const token = await benchWidgetToken(cached.config, storeId);
    progress('http: cache on, filling it with one pass over the photos');
    await sequential(cached, token, httpPhotos);
    progress(`http: cache on, concurrency ${CONCURRENCY} (${DURATION_MS / 1000} s or the rate budget)`);
    const on = loadFigures(await load(cached, token, httpPhotos, RATE_BUDGET - httpPhotos.length));
    measurements.push({
      bench: 'search',
      part: 'http',
      cache: 'on',
      products: PAD_TO,
      concurrency: CONCURRENCY,
      ...on,
    });
    Object.assign(summary, { cached_p50_ms: on.http_p50_ms, cached_rps: on.rps });
  } finally {
    await cached.close();
  }
} finally {
  await database.close();
  await rm(dataDir, { recursive: true, force: true });
}

const embedding = measurements.find((m) => m.part === 'embedding')!;
const vectors = measurements.find(
  (m) => m.part === 'vector-index' && m.index === 'local-hnsw-f16' && m.vectors === 100_000,
);
measurements.push({
  ...summary,
  embed_ms: embedding.embed_ms,
  query_pipeline_ms: embedding.query_pipeline_ms,
  ...(vectors === undefined
    ? {}
    : { vector_p95_ms_100k: vectors.query_p95_ms, vector_recall_at_10_100k: vectors.recall_at_10 }),
  seconds: seconds(benchStarted),
});
printMeasurements(measurements);

/** Medians over rounds of each step the engine runs on a query photo (after a warm-up round). */
async function embeddingTimes(photos: ShopperPhoto[]): Promise<Measurement> {
  progress(`embedding: ${photos.length} shopper photos (640–1024 px), 1 warm-up and 3 timed rounds`);
  const embedder = createDescriptorEmbedder();
  const steps = {
    decode: [] as number[],
    embed: [] as number[],
    style: [] as number[],
    pipeline: [] as number[],
  };
  for (let round = 0; round < 4; round++) {
    const times = {
      decode: [] as number[],
      embed: [] as number[],
      style: [] as number[],
      pipeline: [] as number[],
    };
    for (const { bytes } of photos) {
      let t = performance.now();
      const image = await decodeImage(bytes, CATALOG_DECODE);
      times.decode.push(performance.now() - t);
      t = performance.now();
      await embedder.embed(image);
      times.embed.push(performance.now() - t);
      t = performance.now();
      extractStyleDna(image);
      times.style.push(performance.now() - t);
      t = performance.now();
      const again = await decodeImage(bytes, CATALOG_DECODE);
      await embedder.embed(again);
      extractStyleDna(again);
      times.pipeline.push(performance.now() - t);
    }
    if (round === 0) continue;
    for (const step of Object.keys(steps) as (keyof typeof steps)[]) steps[step].push(median(times[step]));
  }
  return {
    bench: 'search',
    part: 'embedding',
    photos: photos.length,
    decode_ms: round(median(steps.decode)),
    embed_ms: round(median(steps.embed)),
    style_ms: round(median(steps.style)),
    query_pipeline_ms: round(median(steps.pipeline)),
  };
}

/** One search at a time; returns client and engine milliseconds. */
async function sequential(
  search: BenchSearch,
  token: string,
  photos: ShopperPhoto[],
): Promise<{ client: number[]; engine: number[] }> {
  const outcome = await runLoad({
    url: search.url!,
    token,
    origin: BENCH_ORIGIN,
    photos: photos.map(({ bytes, product }) => ({ bytes, externalId: product.externalId })),
    concurrency: 1,
    durationMs: 10 * 60_000,
    maxRequests: photos.length,
  });
  const failed = Object.entries(outcome.statuses).filter(([status]) => status !== '200');
  if (failed.length > 0) throw new Error(`searches failed: ${JSON.stringify(outcome.statuses)}`);
  return { client: outcome.latencies, engine: outcome.engineMs };
}

function load(search: BenchSearch, token: string, photos: ShopperPhoto[], maxRequests: number) {
  return runLoad({
    url: search.url!,
    token,
    origin: BENCH_ORIGIN,
    photos: photos.map(({ bytes, product }) => ({ bytes, externalId: product.externalId })),
    concurrency: CONCURRENCY,
    durationMs: DURATION_MS,
    maxRequests,
  });
}

function loadFigures(outcome: LoadOutcome) {
  const sorted = ascending(outcome.latencies);
  const ok = outcome.latencies.length;
  const requests = Object.values(outcome.statuses).reduce((sum, n) => sum + n, 0);
  if (ok < requests)
    progress(`http: ${requests - ok} of ${requests} searches failed: ${JSON.stringify(outcome.statuses)}`);
  return {
    requests,
    failed: requests - ok,
    seconds: round(outcome.elapsedMs / 1000, 1),
    http_p50_ms: round(percentile(sorted, 0.5), 1),
    http_p95_ms: round(percentile(sorted, 0.95), 1),
    http_p99_ms: round(percentile(sorted, 0.99), 1),
    rps: round(ok / (outcome.elapsedMs / 1000), 1),
    engine_p50_ms: round(median(outcome.engineMs), 1),
    cached_share: round(outcome.cached / Math.max(1, ok), 3),
    own_product_first: round(outcome.ownFirst / Math.max(1, ok), 3),
  };
}

type LoadFigures = ReturnType<typeof loadFigures>;

/** Each figure's median over the runs (p95s are noisy on a shared 2-core machine). */
function medianOfRuns(runs: LoadFigures[]): LoadFigures {
  const keys = Object.keys(runs[0]!) as (keyof LoadFigures)[];
  return Object.fromEntries(keys.map((key) => [key, median(runs.map((run) => run[key]))])) as LoadFigures;
}

/**
 * The steps of one search timed on their own, one photo at a time, against the same
 * store, index and database the app uses: what is left of the engine's time is
 * re-ranking, ranking and the code between; of the client's, HTTP, the widget token
 * and JSON. Also how the index's answers to these photos compare with an exact scan.
 */
async function breakdown(
  search: BenchSearch,
  store: string,
  photos: ShopperPhoto[],
  alone: { client: number[]; engine: number[] },
): Promise<Measurement> {
  const { context } = search;
  const embedder = await context.embedders.embedder(context.embedders.defaultKind);
  const index = context.indexes.for(embedder);
  const steps = {
    decode: [] as number[],
    embed: [] as number[],
    style: [] as number[],
    index: [] as number[],
  };
  const sql = { settings: [] as number[], summaries: [] as number[] };
  const agreement = await indexAgreement(context, store, embedder);
  for (let round = 0; round < 2; round++) {
    for (const { bytes } of photos) {
      let t = performance.now();
      const image = await decodeImage(bytes, CATALOG_DECODE);
      steps.decode.push(performance.now() - t);
      t = performance.now();
      const vector = await embedder.embed(image);
      steps.embed.push(performance.now() - t);
      t = performance.now();
      extractStyleDna(image);
      steps.style.push(performance.now() - t);
      t = performance.now();
      const matches = await index.query(store, vector, { topK: ENGINE_TOP_K });
      steps.index.push(performance.now() - t);
      if (round === 0) agreement.add(vector, matches);
      t = performance.now();
      await context.db.withStore(store, (trx) => readSettings(trx, store));
      sql.settings.push(performance.now() - t);
      const ids = [...new Set(matches.map((match) => match.metadata.productId))].slice(0, 24);
      t = performance.now();
      await context.db.withStore(store, (trx) => productSummaries(trx, store, ids));
      sql.summaries.push(performance.now() - t);
    }
  }
  const parts = {
    decode_ms: median(steps.decode),
    embed_ms: median(steps.embed),
    style_ms: median(steps.style),
    index_query_ms: median(steps.index),
    db_settings_ms: median(sql.settings),
    db_summaries_ms: median(sql.summaries),
  };
  const engine = median(alone.engine);
  const accounted = Object.values(parts).reduce((sum, ms) => sum + ms, 0);
  return {
    bench: 'search',
    part: 'breakdown',
    products: PAD_TO,
    photo_px: '640x480',
    http_p50_ms: round(median(alone.client)),
    http_p95_ms: round(percentile(ascending(alone.client), 0.95)),
    engine_p50_ms: round(engine),
    ...Object.fromEntries(Object.entries(parts).map(([key, ms]) => [key, round(ms)])),
    engine_rest_ms: round(engine - accounted),
    index_query_p95_ms: round(percentile(ascending(steps.index), 0.95)),
    index_recall_at_10_on_photos: agreement.figures().index_recall_at_10,
    index_first_product_as_exact: agreement.figures().index_first_product_as_exact,
    outside_engine_ms: round(median(alone.client) - engine),
    db: database.kind,
  };
}
