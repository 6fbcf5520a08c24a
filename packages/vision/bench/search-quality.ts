/**
 * Search quality of the offline image embedders on real product photos.
 *   node bench/search-quality.ts [datasets-dir]   (default /work/shared/datasets)
 * Prints progress, then one JSON object per measurement as its last lines.
 * Everything tuned from the catalog side only: queries never shape an index.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage } from '../src/decode-image.ts';
import {
  DEFAULT_DESCRIPTOR_CONFIG,
  type DescriptorConfig,
  describeImage,
} from '../src/descriptor-embedder.ts';
import type { DecodedImage } from '../src/embedder.ts';
import { createGeometricVerifier } from '../src/geometric-verifier.ts';
import { dequantizeInt8, quantizeInt8 } from '../src/int8-quantization.ts';
import { rgbHistogram } from '../src/rgb-histogram-embedder.ts';
import { DEFAULT_SHOPPER_VIEWS, type ShopperViewOptions, shopperViews } from '../src/shopper-views.ts';
import { type CatalogEntry, leaveOneOut, rankCatalog, recallFromRankings } from './retrieval-metrics.ts';

const datasets = process.argv[2] ?? '/work/shared/datasets';
const grocery = join(datasets, 'grocery-store');
const clothing = join(datasets, 'clothing-small', 'test');

interface Photo {
  label: string;
  coarse: string;
  image: DecodedImage;
}

/** CPU milliseconds (user + system) spent in `fn`: wall time is meaningless on a shared machine. */
function cpuMs<T>(fn: () => T): [T, number] {
  const start = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(start);
  return [result, (used.user + used.system) / 1000];
}

let decodeMs = 0;
let decoded = 0;
async function load(path: string): Promise<DecodedImage> {
  const bytes = readFileSync(path);
  const start = process.cpuUsage();
  const image = await decodeImage(bytes);
  const used = process.cpuUsage(start);
  decodeMs += (used.user + used.system) / 1000;
  decoded++;
  return image;
}

const classes = readFileSync(join(grocery, 'classes.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((line) => line.split(','));
const catalogPhotos: Photo[] = [];
for (const [, id, , coarse, iconic] of classes) {
  catalogPhotos.push({ label: id!, coarse: coarse!, image: await load(join(grocery, iconic!)) });
}
const queryPhotos: Photo[] = [];
for (const line of readFileSync(join(grocery, 'val.txt'), 'utf8').trim().split('\n')) {
  const [path, fine, coarse] = line.split(',').map((s) => s.trim());
  queryPhotos.push({ label: fine!, coarse: coarse!, image: await load(join(grocery, path!)) });
}
const garmentPhotos: Photo[] = [];
for (const category of readdirSync(clothing).sort()) {
  for (const file of readdirSync(join(clothing, category)).sort()) {
    garmentPhotos.push({
      label: category,
      coarse: category,
      image: await load(join(clothing, category, file)),
    });
  }
}
const decodeMsPerImage = decodeMs / decoded;
console.error(`decoded ${decoded} photos, ${decodeMsPerImage.toFixed(2)} CPU ms each`);

type Embed = (image: DecodedImage) => Float32Array;

interface Run {
  catalog: CatalogEntry[];
  queries: { label: string; coarse: string; vector: Float32Array }[];
  garments: { label: string; vector: Float32Array }[];
  embedMs: number;
  dims: number;
}

function embedAll(embed: Embed, views: ShopperViewOptions | null): Run {
  let embedMs = 0;
  let embedded = 0;
  const timed = (image: DecodedImage): Float32Array => {
    const [vector, ms] = cpuMs(() => embed(image));
    embedMs += ms;
    embedded++;
    return vector;
  };
  const catalog = catalogPhotos.map((p) => ({
    label: p.label,
    coarse: p.coarse,
    vectors: [p.image, ...(views ? shopperViews(p.image, views) : [])].map(timed),
  }));
  const queries = queryPhotos.map((p) => ({ label: p.label, coarse: p.coarse, vector: timed(p.image) }));
  const garments = garmentPhotos.map((p) => ({ label: p.label, vector: timed(p.image) }));
  return { catalog, queries, garments, embedMs: embedMs / embedded, dims: queries[0]!.vector.length };
}

const round = (x: number): number => Math.round(x * 1000) / 1000;

function report(
  measurement: string,
  run: Run,
  rankings: number[][],
  extra: Record<string, unknown> = {},
): void {
  const recall = recallFromRankings(run.queries, rankings, run.catalog);
  const loo = leaveOneOut(run.garments, 10);
  const result = {
    measurement,
    grocery: Object.fromEntries(Object.entries(recall).map(([k, v]) => [k, round(v)])),
    clothing: { precisionAt10: round(loo.precisionAtK), mAP: round(loo.mAP) },
    dims: run.dims,
    cpuMsPerImage: { decode: round(decodeMsPerImage), embed: round(run.embedMs) },
    ...extra,
  };
  results.push(result);
  console.error(JSON.stringify(result));
}

const globalRankings = (run: Run): number[][] =>
  run.queries.map((q) => rankCatalog(q.vector, run.catalog).map((r) => r.index));

const results: object[] = [];
const descriptorWith =
  (config: DescriptorConfig): Embed =>
  (image) =>
    describeImage(image, config);

const baseline = embedAll(rgbHistogram, null);
report('baseline: rgb histogram 8x8x8', baseline, globalRankings(baseline));

const colourBlock = DEFAULT_DESCRIPTOR_CONFIG.blocks.filter((b) => b.kind === 'colour');
const noForeground = { borderContrast: false, centreSigma: 100, backgroundFloor: 1 };
const ablations: [string, DescriptorConfig][] = [
  [
    'Lab colour, whole image',
    { ...DEFAULT_DESCRIPTOR_CONFIG, blocks: colourBlock, foreground: noForeground },
  ],
  [
    'Lab colour + foreground (border contrast x centre prior)',
    { ...DEFAULT_DESCRIPTOR_CONFIG, blocks: colourBlock },
  ],
  ['+ HOG grid, silhouette, LBP (default descriptor)', DEFAULT_DESCRIPTOR_CONFIG],
];
for (const [name, config] of ablations) {
  const run = embedAll(descriptorWith(config), null);
  report(name, run, globalRankings(run));
}

const defaultEmbed = descriptorWith(DEFAULT_DESCRIPTOR_CONFIG);
const viewAblations: [string, ShopperViewOptions][] = [
  ['+ catalog close crop view', { closeCrop: true, shelfTiling: [], lighting: [] }],
  ['+ catalog shelf tiling view (3x3)', { closeCrop: false, shelfTiling: [3], lighting: [] }],
];
for (const [name, views] of viewAblations) {
  const run = embedAll(defaultEmbed, views);
  report(name, run, globalRankings(run));
}
const indexed = embedAll(defaultEmbed, DEFAULT_SHOPPER_VIEWS);
const indexedRankings = globalRankings(indexed);
report('+ catalog relit views: dim, warm, cool (default index)', indexed, indexedRankings);

const quantised = (v: Float32Array): Float32Array => dequantizeInt8(quantizeInt8(v));
const int8Run: Run = {
  ...indexed,
  catalog: indexed.catalog.map((e) => ({ ...e, vectors: e.vectors.map(quantised) })),
  queries: indexed.queries.map((q) => ({ ...q, vector: quantised(q.vector) })),
  garments: indexed.garments.map((g) => ({ ...g, vector: quantised(g.vector) })),
};
report('default index, int8-quantised vectors', int8Run, globalRankings(int8Run));

// Geometric re-ranking of the global top candidates with ORB + similarity RANSAC.
const RERANK_DEPTH = 20;
const MIN_INLIERS = 8;
const INLIER_BONUS = 0.3;
const INLIER_CAP = 60;
const verifier = await createGeometricVerifier({ maxFeatures: 500 });
const catalogFeatures = catalogPhotos.map((p) => verifier.features(p.image));
let rerankMs = 0;
const reranked = indexed.queries.map((q, n) => {
  const [order, ms] = cpuMs(() => {
    const features = verifier.features(queryPhotos[n]!.image);
    const top = rankCatalog(q.vector, indexed.catalog).slice(0, RERANK_DEPTH);
    const rescored = top.map((candidate) => {
      const inliers = verifier.inliers(features, catalogFeatures[candidate.index]!);
      const bonus = inliers >= MIN_INLIERS ? (INLIER_BONUS * Math.min(inliers, INLIER_CAP)) / INLIER_CAP : 0;
      return { index: candidate.index, score: candidate.score + bonus };
    });
    return rescored.sort((a, b) => b.score - a.score).map((r) => r.index);
  });
  rerankMs += ms;
  return order;
});
report(`+ geometric re-rank of top ${RERANK_DEPTH} (ORB + similarity RANSAC)`, indexed, reranked, {
  cpuMsPerQueryRerank: round(rerankMs / indexed.queries.length),
});

for (const result of results) console.log(JSON.stringify(result));
