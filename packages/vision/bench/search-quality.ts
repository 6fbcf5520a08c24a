/**
 * Search quality of the offline pipeline on real product photos, idea by idea.
 *   node bench/search-quality.ts [datasets-dir]   (default /work/shared/datasets)
 * Progress goes to stderr; stdout gets one JSON line per ablation step, then the
 * exported pipeline's figures as `{"bench":"search-quality","dataset":…}` lines.
 *
 * Everything is tuned from the catalog side or on the grocery dev half (odd-numbered
 * shopper photos); the even half is held out and reported separately. Clothing has no
 * split: its figures were watched while choosing the descriptor's shape blocks.
 */
import { readFileSync } from 'node:fs';
import sharp from 'sharp';
import {
  createRerankQuery,
  DEFAULT_RERANK_MODEL,
  type RerankModel,
  rerankCandidates,
} from '../src/candidate-rerank.ts';
import { decodeImage } from '../src/decode-image.ts';
import {
  createDescriptorEmbedder,
  DEFAULT_DESCRIPTOR_CONFIG,
  type DescriptorConfig,
  describeImage,
} from '../src/descriptor-embedder.ts';
import { createGeometricVerifier } from '../src/geometric-verifier.ts';
import { dequantizeInt8, quantizeInt8 } from '../src/int8-quantization.ts';
import { rgbHistogram } from '../src/rgb-histogram-embedder.ts';
import { DEFAULT_SHOPPER_VIEWS, type ShopperViewOptions } from '../src/shopper-views.ts';
import { leaveOneOut, recallFromRankings } from './retrieval-metrics.ts';
import {
  buildIndex,
  cpuMs,
  type Embed,
  type Index,
  loadDatasets,
  median,
  type Photo,
  type PipelineConfig,
  rankGlobal,
  search,
} from './search-pipeline.ts';

const log = (line: string): void => {
  console.error(line);
};
const data = await loadDatasets(process.argv[2] ?? '/work/shared/datasets', log);
const verifier = await createGeometricVerifier();
const round = (x: number): number => Math.round(x * 1000) / 1000;

/** The descriptor before this round of work: 4×4 HOG grid at 0.85, silhouette over the frame. */
const DESCRIPTOR_V1: DescriptorConfig = {
  ...DEFAULT_DESCRIPTOR_CONFIG,
  blocks: [
    { kind: 'colour', bins: { lightness: 3, chroma: 12, chromaRange: 64 }, grid: 1, weight: 1 },
    { kind: 'orientation', orientations: 9, grid: 4, weight: 0.85 },
    { kind: 'silhouette', grid: 6, frame: 'image', weight: 0.5 },
    { kind: 'lbp', step: 1, weight: 0.3 },
    { kind: 'lbp', step: 2, weight: 0.3 },
  ],
};
const RELIT_ONLY: ShopperViewOptions = { ...DEFAULT_SHOPPER_VIEWS, piles: [] };
const descriptor =
  (config: DescriptorConfig): Embed =>
  (image) =>
    describeImage(image, config);
const int8 =
  (embed: Embed): Embed =>
  (image) =>
    dequantizeInt8(quantizeInt8(embed(image)));
const without = (term: 'appearance' | 'inliers'): RerankModel => ({ ...DEFAULT_RERANK_MODEL, [term]: 0 });

interface Step {
  measurement: string;
  /** steps with the same key share one index (vectors and local features) */
  indexKey: string;
  config: PipelineConfig;
}

const v2 = descriptor(DEFAULT_DESCRIPTOR_CONFIG);
const steps: Step[] = [
  {
    measurement: 'baseline: rgb histogram 8x8x8',
    indexKey: 'rgb',
    config: { embed: rgbHistogram, views: null, rerank: null },
  },
  {
    measurement: 'descriptor v1 (Lab colour, HOG 4x4, frame silhouette, LBP)',
    indexKey: 'v1',
    config: { embed: descriptor(DESCRIPTOR_V1), views: null, rerank: null },
  },
  {
    measurement: '+ catalog relit views: dim, warm, cool (index before this work)',
    indexKey: 'v1-relit',
    config: { embed: descriptor(DESCRIPTOR_V1), views: RELIT_ONLY, rerank: null },
  },
  {
    measurement: '+ catalog pile views (3 across) and their relit copies',
    indexKey: 'v1-piles',
    config: { embed: descriptor(DESCRIPTOR_V1), views: DEFAULT_SHOPPER_VIEWS, rerank: null },
  },
  {
    measurement: '+ catalog close crop view (not kept)',
    indexKey: 'v1-crop',
    config: {
      embed: descriptor(DESCRIPTOR_V1),
      views: { ...DEFAULT_SHOPPER_VIEWS, closeCrop: true },
      rerank: null,
    },
  },
  {
    measurement: 'descriptor v2 (HOG 6x6 at 0.75, object-box silhouette): the global stage',
    indexKey: 'v2',
    config: { embed: v2, views: DEFAULT_SHOPPER_VIEWS, rerank: null },
  },
  {
    measurement: 'global stage, int8-quantised vectors',
    indexKey: 'v2-int8',
    config: { embed: int8(v2), views: DEFAULT_SHOPPER_VIEWS, rerank: null },
  },
  {
    measurement: "+ re-rank top 10: similarity + colour/texture appearance of the photo's middle",
    indexKey: 'v2',
    config: {
      embed: v2,
      views: DEFAULT_SHOPPER_VIEWS,
      rerank: { depth: 10, model: without('inliers'), geometry: false },
    },
  },
  {
    measurement: '  (same, whole photo instead of its middle 60%: not kept)',
    indexKey: 'v2',
    config: {
      embed: v2,
      views: DEFAULT_SHOPPER_VIEWS,
      rerank: { depth: 10, model: without('inliers'), geometry: false, wholePhoto: true },
    },
  },
  {
    measurement: '+ re-rank top 10: similarity + ORB inliers (hashed matching, similarity RANSAC)',
    indexKey: 'v2',
    config: {
      embed: v2,
      views: DEFAULT_SHOPPER_VIEWS,
      rerank: { depth: 10, model: without('appearance'), geometry: true },
    },
  },
  {
    measurement: 're-rank depth 20 instead of 10 (not kept: moves clothing top 10s)',
    indexKey: 'v2',
    config: {
      embed: v2,
      views: DEFAULT_SHOPPER_VIEWS,
      rerank: { depth: 20, model: DEFAULT_RERANK_MODEL, geometry: true },
    },
  },
  {
    measurement: 'final: re-rank top 10 fusing similarity + appearance + inliers (exported pipeline)',
    indexKey: 'v2',
    config: {
      embed: v2,
      views: DEFAULT_SHOPPER_VIEWS,
      rerank: { depth: 10, model: DEFAULT_RERANK_MODEL, geometry: true },
    },
  },
];

const indexes = new Map<string, { catalog: Index; garments: Index }>();
function indexFor(step: Step): { catalog: Index; garments: Index } {
  const cached = indexes.get(step.indexKey);
  if (cached) return cached;
  // local features are extracted whenever a step on this index verifies geometry
  const geometry = steps.some((s) => s.indexKey === step.indexKey && s.config.rerank?.geometry);
  const config: PipelineConfig = {
    ...step.config,
    rerank: geometry ? { depth: 0, model: DEFAULT_RERANK_MODEL, geometry } : null,
  };
  log(`  indexing catalog and garments for "${step.indexKey}"`);
  const built = {
    catalog: buildIndex(data.catalog, config, verifier, log),
    garments: buildIndex(data.garments, config, verifier, log),
  };
  indexes.set(step.indexKey, built);
  return built;
}

function recallOf(queries: Photo[], rankings: number[][]): Record<string, number> {
  const r = recallFromRankings(queries, rankings, data.catalog);
  return {
    recall_at_1: round(r.recallAt1),
    recall_at_5: round(r.recallAt5),
    coarse_recall_at_1: round(r.coarseRecallAt1),
    coarse_recall_at_5: round(r.coarseRecallAt5),
  };
}

function pick<T>(items: T[], keep: (item: T) => boolean): number[] {
  return items.flatMap((item, i) => (keep(item) ? [i] : []));
}

interface StepResult {
  grocery: Record<string, unknown>;
  clothing: Record<string, unknown>;
}

function run(step: Step): StepResult {
  const { catalog, garments } = indexFor(step);
  const queryMs: number[] = [];
  const topScores: number[] = [];
  const rankings = data.queries.map((q, n) => {
    const result = search(q.image, catalog, step.config, verifier);
    queryMs.push(result.queryMs);
    topScores.push(result.topScore);
    if ((n + 1) % 100 === 0) log(`  searched ${n + 1}/${data.queries.length} shopper photos`);
    return result.order;
  });
  const garmentRankings = data.garments.map(
    (g, n) => search(g.image, garments, step.config, verifier, n).order,
  );
  const subset = (indices: number[]): Record<string, number> =>
    recallOf(
      indices.map((i) => data.queries[i]!),
      indices.map((i) => rankings[i]!),
    );
  const byGroup = Object.fromEntries(
    ['Fruit', 'Packages', 'Vegetables'].map((group) => {
      const r = subset(pick(data.queries, (q) => q.group === group));
      return [group, `${r.recall_at_1}/${r.recall_at_5}`];
    }),
  );
  const loo = leaveOneOut(data.garments, garmentRankings, 10);
  const bytes = catalog.featureBytes;
  return {
    grocery: {
      ...recallOf(data.queries, rankings),
      dev: subset(pick(data.queries, (q) => q.dev)),
      held_out: subset(pick(data.queries, (q) => !q.dev)),
      recall_at_1_5_by_group: byGroup,
      median_top_score: round(median(topScores)),
      query_cpu_ms: round(median(queryMs)),
      index_cpu_ms_per_image: round(catalog.msPerImage),
      vectors_per_product: catalog.products[0]!.vectors.length,
      dims: catalog.products[0]!.vectors[0]!.length,
      local_feature_bytes_per_image: bytes.length > 0 ? median(bytes) : 0,
    },
    clothing: {
      precision_at_10: round(loo.precisionAtK),
      map: round(loo.mAP),
      index_cpu_ms_per_image: round(garments.msPerImage),
    },
  };
}

let final: StepResult | null = null;
for (const step of steps) {
  log(step.measurement);
  const result = run(step);
  console.log(JSON.stringify({ measurement: step.measurement, ...result }));
  final = result;
}

/**
 * The service's query path on a phone-sized upload: a 640 px JPEG decoded (to
 * `maxSide`), embedded, its re-rank query made (appearance of its middle, local
 * features), the top 10 of the grocery index re-ranked. CPU ms medians; the first pass
 * only warms the JIT up.
 */
async function phoneUploadTiming(catalog: Index, maxSide: number): Promise<Record<string, number>> {
  const jpegs = await Promise.all(
    data.queries
      .filter((_, i) => i % 10 === 0)
      .map((q) =>
        sharp(readFileSync(q.path)).resize(640, 640, { fit: 'inside' }).jpeg({ quality: 85 }).toBuffer(),
      ),
  );
  const decode: number[] = [];
  const embed: number[] = [];
  const features: number[] = [];
  const rerank: number[] = [];
  const total: number[] = [];
  for (let pass = 0; pass < 3; pass++) {
    // one at a time: the process CPU clock would count concurrent decodes into each other
    for (const jpeg of jpegs) {
      const start = process.cpuUsage();
      const image = await decodeImage(jpeg, { maxSide });
      const used = process.cpuUsage(start);
      const decodeMs = (used.user + used.system) / 1000;
      const [vector, embedMs] = cpuMs(() => describeImage(image, DEFAULT_DESCRIPTOR_CONFIG));
      const [query, queryMs] = cpuMs(() => createRerankQuery(image, vector, verifier));
      const top = rankGlobal(vector, catalog.products)
        .slice(0, 10)
        .map((c) => ({ id: c.index, ...catalog.products[c.index]! }));
      const [, rerankMs] = cpuMs(() => rerankCandidates(query, top, { verifier }));
      if (pass === 0) continue;
      decode.push(decodeMs);
      embed.push(embedMs);
      features.push(queryMs);
      rerank.push(rerankMs);
      total.push(embedMs + queryMs + rerankMs);
    }
  }
  return {
    decoded_side: maxSide,
    images: jpegs.length,
    decode_cpu_ms: round(median(decode)),
    embed_cpu_ms: round(median(embed)),
    rerank_query_cpu_ms: round(median(features)),
    rerank_top10_cpu_ms: round(median(rerank)),
    query_cpu_ms: round(median(total)),
  };
}

if (final) {
  const embedder = createDescriptorEmbedder();
  const { catalog } = indexFor(steps.at(-1)!);
  console.log(JSON.stringify({ bench: 'search-quality', dataset: 'grocery', ...final.grocery }));
  console.log(JSON.stringify({ bench: 'search-quality', dataset: 'clothing', ...final.clothing }));
  for (const maxSide of [512, 384]) {
    const timing = await phoneUploadTiming(catalog, maxSide);
    const embedderId = `${embedder.id}@${embedder.version}`;
    console.log(
      JSON.stringify({
        bench: 'search-quality',
        dataset: 'phone-upload-640px',
        embedder: embedderId,
        ...timing,
      }),
    );
  }
}
