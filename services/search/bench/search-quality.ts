/**
 * Search quality of the service as it runs, and the fit of its confidence model:
 *   a. a generated catalog indexed by the real indexing worker, searched through the app
 *      (re-ranking as the app wires it) with shopper photos at each difficulty: recall@1
 *      and @10 of the photo's own product, precision@10 of its category and colour;
 *   b. the logistic confidence model of confidence.ts fit by maximum likelihood on the
 *      photos of half the products, its calibration error (10 bins) measured on the other
 *      half before and after; on the default catalog the fitted constants are written back;
 *   c. the vision package's real-photo bench (grocery, clothing), re-emitted.
 *
 *   pnpm bench:search-quality [--products 300] [--seed 1] [--photos 2] [--skip-real-photos] [--postgres]
 * PGlite in memory, DATABASE_URL, or with --postgres a throwaway Postgres 15 cluster.
 * Progress on stderr; the last lines on stdout are one JSON object per measurement.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CATALOG_SEED, DIFFICULTIES } from '@nlyzer/demo-catalog';
import { decodeImage } from '@nlyzer/vision';
import { CONFIDENCE_MODELS, type ConfidenceModel } from '../src/features/image-search/confidence.ts';
import { CATALOG_DECODE } from '../src/features/indexing/image-analysis.ts';
import { benchCatalog, type PhotoPlan, type ShopperPhoto, shopperPhotos } from './bench-photos.ts';
import {
  jsonLinesOf,
  type Measurement,
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
  type SearchResponseBody,
  startBenchSearch,
} from './bench-search-app.ts';
import {
  type CalibrationSample,
  expectedCalibrationError,
  fitConfidenceModel,
  modelConfidence,
  shippedConfidence,
} from './confidence-calibration.ts';
import { indexAgreement } from './index-agreement.ts';

const { values: args } = parseArgs({
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    products: { type: 'string', default: '300' },
    seed: { type: 'string', default: String(DEFAULT_CATALOG_SEED) },
    photos: { type: 'string', default: '2' },
    'skip-real-photos': { type: 'boolean', default: false },
    postgres: { type: 'boolean', default: false },
  },
});
const PRODUCTS = Number(args.products);
const SEED = Number(args.seed);
const PHOTOS_PER_DIFFICULTY = Number(args.photos);
const DEFAULT_RUN = PRODUCTS === 300 && SEED === DEFAULT_CATALOG_SEED && PHOTOS_PER_DIFFICULTY === 2;
/** Results asked per search: enough to hold the two best scores whatever the business rules reorder. */
const LIMIT = 50;
const K = 10;
/** Searches in flight: the app decodes on libuv threads while it embeds on the main one. */
const CONCURRENCY = 2;
const CONFIDENCE_FILE = path.join(import.meta.dirname, '../src/features/image-search/confidence.ts');

const benchStarted = performance.now();
const measurements: Measurement[] = [];

const catalog = await benchCatalog(PRODUCTS, SEED);
const products = catalog.manifest.products;
const plans: PhotoPlan[] = DIFFICULTIES.flatMap((difficulty) =>
  Array.from({ length: PHOTOS_PER_DIFFICULTY }, (_, k) => ({ difficulty, seed: 101 + k })),
);
const photos = await shopperPhotos(catalog, products, plans);

interface Query {
  photo: ShopperPhoto;
  /** Position of the photo's product in the catalog: halves the calibration split by it. */
  productIndex: number;
  resultIds: string[];
  scores: number[];
  confidence: number;
}

const database = await openBenchDatabase({
  databaseUrl: process.env.DATABASE_URL,
  throwawayPostgres: args.postgres!,
});
const { db } = database;
const dataDir = await mkdtemp(path.join(tmpdir(), 'search-quality-'));
const storeId = randomUUID();
let queries: Query[];
let embedderId: string;
try {
  const search = await startBenchSearch(
    db,
    {
      LOG_LEVEL: 'warn',
      ...process.env,
      NLYZER_DATA_DIR: dataDir,
      VECTOR_INDEX_DIR: path.join(dataDir, 'vector-index'),
      SEARCH_CACHE_TTL_SECONDS: '0',
    },
    { listen: false },
  );
  try {
    embedderId = (await search.context.embedders.embedder(search.context.embedders.defaultKind)).id;
    progress(
      `store: loading ${products.length} products through the catalog upsert (${embedderId} embedder)`,
    );
    const loaded = await loadStore(search, storeId, catalog);
    measurements.push({
      bench: 'search-quality',
      part: 'indexing',
      products: loaded.products,
      images: loaded.images,
      failed: loaded.failed,
      seconds: loaded.seconds,
      products_per_s: round(loaded.products / loaded.seconds),
    });
    queries = await searchAll(search, photos);
    measurements.push(
      await indexCheck(
        search,
        photos.filter((_, i) => i % 6 === 0),
      ),
    );
  } finally {
    await search.close();
  }
} finally {
  await database.close();
  await rm(dataDir, { recursive: true, force: true });
}

const byExternalId = new Map(products.map((product, index) => [product.externalId, { product, index }]));
for (const difficulty of [...DIFFICULTIES, 'all'] as const) {
  const subset = queries.filter((q) => difficulty === 'all' || q.photo.plan.difficulty === difficulty);
  measurements.push({ bench: 'search-quality', part: 'retrieval', difficulty, ...retrieval(subset) });
}

const calibration = calibrate(queries);
measurements.push(calibration.measurement);
if (DEFAULT_RUN && calibration.fitted !== null) {
  await writeConfidenceModel(embedderId, calibration.fitted, calibration.figures);
  progress(
    `confidence: wrote the fitted ${embedderId} constants into src/features/image-search/confidence.ts`,
  );
  measurements.push({
    bench: 'search-quality',
    part: 'confidence-written',
    embedder: embedderId,
    ...calibration.fitted,
  });
} else {
  progress('confidence: not the default catalog, seed and photo count: confidence.ts left as it is');
}

let realPhotos: Measurement[] = [];
if (!args['skip-real-photos']) {
  progress('real photos: the vision package bench (pnpm --filter @nlyzer/vision bench:quality)');
  realPhotos = await jsonLinesOf(path.join(WORKSPACE, 'node_modules/.bin/pnpm'), [
    '--filter',
    '@nlyzer/vision',
    'run',
    'bench:quality',
  ]);
  for (const { bench: _source, ...line } of realPhotos) {
    measurements.push({ bench: 'search-quality', part: 'real-photos', ...line });
  }
}

const overall = measurements.find((m) => m.part === 'retrieval' && m.difficulty === 'all')!;
const grocery = realPhotos.find((m) => m.dataset === 'grocery');
const clothing = realPhotos.find((m) => m.dataset === 'clothing');
measurements.push({
  bench: 'search-quality',
  products: PRODUCTS,
  seed: SEED,
  queries: queries.length,
  recall_at_1: overall.recall_at_1,
  recall_at_10: overall.recall_at_10,
  category_precision_at_10: overall.category_precision_at_10,
  colour_precision_at_10: overall.colour_precision_at_10,
  ece_before: calibration.measurement.held_out_ece_before,
  ece_after: calibration.measurement.held_out_ece_after,
  ...(grocery === undefined
    ? {}
    : { grocery_recall_at_1: grocery.recall_at_1, grocery_recall_at_5: grocery.recall_at_5 }),
  ...(clothing === undefined ? {} : { clothing_precision_at_10: clothing.precision_at_10 }),
  seconds: seconds(benchStarted),
});
printMeasurements(measurements);

async function searchAll(search: BenchSearch, all: ShopperPhoto[]): Promise<Query[]> {
  const token = await benchWidgetToken(search.config, storeId);
  const indexOf = new Map(products.map((product, index) => [product.externalId, index]));
  const done: Query[] = [];
  let next = 0;
  let reportedAt = performance.now();
  async function worker(): Promise<void> {
    while (next < all.length) {
      const photo = all[next++]!;
      const body = await searchPhoto(search, token, photo.bytes);
      done.push({
        photo,
        productIndex: indexOf.get(photo.product.externalId)!,
        resultIds: body.results.map((r) => r.external_id),
        scores: body.results.map((r) => r.score),
        confidence: body.confidence,
      });
      if (performance.now() - reportedAt > 10_000) {
        reportedAt = performance.now();
        progress(`queries: ${done.length}/${all.length}`);
      }
    }
  }
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  progress(`queries: ${all.length} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return done;
}

/** The index's answers to a sample of the photos against an exact scan (no padding: the store as loaded). */
async function indexCheck(search: BenchSearch, sample: ShopperPhoto[]): Promise<Measurement> {
  const { context } = search;
  const embedder = await context.embedders.embedder(context.embedders.defaultKind);
  const index = context.indexes.for(embedder);
  const agreement = await indexAgreement(context, storeId, embedder);
  for (const { bytes } of sample) {
    const vector = await embedder.embed(await decodeImage(bytes, CATALOG_DECODE));
    agreement.add(vector, await index.query(storeId, vector, { topK: 72 }));
  }
  return {
    bench: 'search-quality',
    part: 'index-agreement',
    vectors: await index.count(storeId),
    ...agreement.figures(),
  };
}

async function searchPhoto(search: BenchSearch, token: string, bytes: Buffer): Promise<SearchResponseBody> {
  for (;;) {
    const response = await search.app.inject({
      method: 'POST',
      url: `/v1/search/image?limit=${LIMIT}`,
      headers: { 'content-type': 'image/jpeg', origin: BENCH_ORIGIN, authorization: `Bearer ${token}` },
      payload: bytes,
    });
    if (response.statusCode === 200) return response.json() as SearchResponseBody;
    if (response.statusCode !== 429)
      throw new Error(`search failed: ${response.statusCode} ${response.body}`);
    // The store's per-minute widget limit: wait for the window as a widget would.
    const wait = Number(response.headers['retry-after'] ?? 1);
    progress(`queries: rate limited, waiting ${wait} s`);
    await new Promise((resolve) => setTimeout(resolve, wait * 1000));
  }
}

function retrieval(subset: Query[]) {
  let first = 0;
  let inTop = 0;
  let sameCategory = 0;
  let sameColour = 0;
  for (const { photo, resultIds } of subset) {
    const own = photo.product;
    const top = resultIds.slice(0, K).map((id) => byExternalId.get(id)!.product);
    if (resultIds[0] === own.externalId) first++;
    if (top.some((p) => p.externalId === own.externalId)) inTop++;
    sameCategory += top.filter((p) => p.category === own.category).length / K;
    sameColour += top.filter((p) => p.colour === own.colour).length / K;
  }
  const n = Math.max(1, subset.length);
  return {
    queries: subset.length,
    recall_at_1: round(first / n, 3),
    recall_at_10: round(inTop / n, 3),
    category_precision_at_10: round(sameCategory / n, 3),
    colour_precision_at_10: round(sameColour / n, 3),
    handoff_share: round(subset.filter((q) => q.confidence < 0.7).length / n, 3),
  };
}

/** The two best scores (results are ordered by business rules, not by score alone). */
function sample(query: Query): CalibrationSample {
  const [top = 0, second = null] = [...query.scores].sort((a, b) => b - a);
  return { top, second, correct: query.resultIds[0] === query.photo.product.externalId };
}

function calibrate(all: Query[]) {
  const current: ConfidenceModel | undefined = CONFIDENCE_MODELS[embedderId];
  const fitSet = all.filter((q) => q.productIndex % 2 === 0).map(sample);
  const heldOut = all.filter((q) => q.productIndex % 2 === 1).map(sample);
  const shipped = shippedConfidence(embedderId);
  // The bench's copy of the formula must be the engine's, or "after" would not mean what it says.
  if (
    current !== undefined &&
    fitSet.some((s) => Math.abs(modelConfidence(current)(s) - shipped(s)) > 1e-9)
  ) {
    throw new Error('the bench computes confidence differently from confidence.ts');
  }
  const fitted = fitSet.length > 0 ? fitConfidenceModel(fitSet) : null;
  const rounded =
    fitted === null
      ? null
      : { intercept: round(fitted.intercept), top: round(fitted.top), margin: round(fitted.margin) };
  const before = expectedCalibrationError(heldOut, shipped);
  const after = rounded === null ? Number.NaN : expectedCalibrationError(heldOut, modelConfidence(rounded));
  const atThreshold = (confidence: (s: CalibrationSample) => number) => {
    const confident = heldOut.filter((s) => confidence(s) >= 0.7);
    return {
      handoff_share: round(1 - confident.length / Math.max(1, heldOut.length), 3),
      confident_top1_accuracy: round(
        confident.filter((s) => s.correct).length / Math.max(1, confident.length),
        3,
      ),
    };
  };
  const accuracy = heldOut.filter((s) => s.correct).length / Math.max(1, heldOut.length);
  const figures = `held-out ECE ${round(after, 3)} (was ${round(before, 3)}) on ${heldOut.length} photos, fit on ${fitSet.length}`;
  return {
    fitted: rounded,
    figures: `${figures} (seed ${SEED}, ${PRODUCTS} products).`,
    measurement: {
      bench: 'search-quality',
      part: 'calibration',
      embedder: embedderId,
      fit_queries: fitSet.length,
      held_out_queries: heldOut.length,
      held_out_top1_accuracy: round(accuracy, 3),
      current: current ?? null,
      fitted: rounded,
      held_out_ece_before: round(before, 4),
      held_out_ece_after: round(after, 4),
      at_threshold_0_7_before: atThreshold(shipped),
      at_threshold_0_7_after: rounded === null ? null : atThreshold(modelConfidence(rounded)),
    },
  };
}

/** Rewrites the embedder's constants line of confidence.ts (and the figures line above it). */
async function writeConfidenceModel(
  embedder: string,
  model: ConfidenceModel,
  figures: string,
): Promise<void> {
  const text = await readFile(CONFIDENCE_FILE, 'utf8');
  const line = new RegExp(
    `^( *)(?:// Fit by bench:search-quality:.*\\n *)?${embedder}: \\{[^}\\n]*\\},$`,
    'm',
  );
  if (!line.test(text)) throw new Error(`no "${embedder}: { … }," line in ${CONFIDENCE_FILE}`);
  const constants = `${embedder}: { intercept: ${model.intercept}, top: ${model.top}, margin: ${model.margin} },`;
  await writeFile(
    CONFIDENCE_FILE,
    text.replace(line, `$1// Fit by bench:search-quality: ${figures}\n$1${constants}`),
  );
}
