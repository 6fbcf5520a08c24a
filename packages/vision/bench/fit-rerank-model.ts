/**
 * Fits the re-rank model (DEFAULT_RERANK_MODEL in src/candidate-rerank.ts): a logistic
 * regression of "this candidate is the photographed product" on the evidence of each
 * of the top 10 candidates, over the grocery bench's dev half only (odd-numbered
 * shopper photos). Prints the weights to paste, and recall on both halves.
 *   node bench/fit-rerank-model.ts [datasets-dir]
 */
import {
  createRerankQuery,
  DEFAULT_RERANK_MODEL,
  matchProbability,
  type RerankedCandidate,
  type RerankModel,
  rerankCandidates,
} from '../src/candidate-rerank.ts';
import { DEFAULT_DESCRIPTOR_CONFIG, describeImage } from '../src/descriptor-embedder.ts';
import { createGeometricVerifier } from '../src/geometric-verifier.ts';
import { DEFAULT_SHOPPER_VIEWS } from '../src/shopper-views.ts';
import { buildIndex, loadDatasets, type PipelineConfig, rankGlobal } from './search-pipeline.ts';

const DEPTH = 10;
const FLOORS = [0, 3, 6, 10];
const L2 = 1e-3;

const log = (line: string): void => {
  console.error(line);
};
const data = await loadDatasets(process.argv[2] ?? '/work/shared/datasets', log);
const verifier = await createGeometricVerifier();
const config: PipelineConfig = {
  embed: (image) => describeImage(image, DEFAULT_DESCRIPTOR_CONFIG),
  views: DEFAULT_SHOPPER_VIEWS,
  rerank: { depth: DEPTH, model: DEFAULT_RERANK_MODEL, geometry: true },
};
const index = buildIndex(data.catalog, config, verifier, log);

interface Evidence {
  candidates: RerankedCandidate<number>[];
  dev: boolean;
  label: string;
}
const evidence: Evidence[] = data.queries.map((q) => {
  const vector = config.embed(q.image);
  const top = rankGlobal(vector, index.products)
    .slice(0, DEPTH)
    .map((c) => ({ id: c.index, ...index.products[c.index]! }));
  const candidates = rerankCandidates(createRerankQuery(q.image, vector, verifier), top, { verifier });
  return { candidates, dev: q.dev, label: q.label };
});

type Row = [features: number[], positive: number];
const featuresOf = (c: RerankedCandidate<number>, floor: number): number[] => [
  1,
  c.similarity,
  c.appearance,
  Math.log1p(Math.max(0, c.inliers - floor)),
];

/** Newton's method on the L2-regularised log-likelihood: four weights, a few thousand rows. */
function fitLogistic(rows: Row[]): number[] {
  const k = rows[0]![0].length;
  let w = new Array<number>(k).fill(0);
  for (let iteration = 0; iteration < 50; iteration++) {
    const gradient = w.map((v) => L2 * v);
    const hessian = Array.from({ length: k }, (_, i) =>
      Array.from({ length: k }, (_, j) => (i === j ? L2 : 0)),
    );
    for (const [x, y] of rows) {
      const p = 1 / (1 + Math.exp(-x.reduce((s, v, i) => s + v * w[i]!, 0)));
      for (let i = 0; i < k; i++) {
        gradient[i]! += (p - y) * x[i]!;
        for (let j = 0; j < k; j++) hessian[i]![j]! += p * (1 - p) * x[i]! * x[j]!;
      }
    }
    w = w.map((v, i) => v - solve(hessian, gradient)[i]!);
  }
  return w;
}

/** Gauss-Jordan elimination with partial pivoting. */
function solve(matrix: number[][], vector: number[]): number[] {
  const a = matrix.map((row, i) => [...row, vector[i]!]);
  const n = a.length;
  for (let i = 0; i < n; i++) {
    let pivot = i;
    for (let r = i + 1; r < n; r++) if (Math.abs(a[r]![i]!) > Math.abs(a[pivot]![i]!)) pivot = r;
    [a[i], a[pivot]] = [a[pivot]!, a[i]!];
    for (let r = 0; r < n; r++) {
      if (r === i) continue;
      const f = a[r]![i]! / a[i]![i]!;
      for (let c = i; c <= n; c++) a[r]![c]! -= f * a[i]![c]!;
    }
  }
  return a.map((row, i) => row[n]! / row[i]!);
}

function rowsOf(subset: Evidence[], floor: number): Row[] {
  return subset.flatMap((e) =>
    e.candidates.map((c): Row => [featuresOf(c, floor), data.catalog[c.id]!.label === e.label ? 1 : 0]),
  );
}

function logLoss(rows: Row[], model: RerankModel): number {
  let loss = 0;
  for (const [x, y] of rows) {
    const p = matchProbability(
      { similarity: x[1]!, appearance: x[2]!, inliers: 0 },
      { ...model, inliers: 0 },
    );
    const z = Math.log(p / (1 - p)) + model.inliers * x[3]!;
    const q = Math.min(1 - 1e-9, Math.max(1e-9, 1 / (1 + Math.exp(-z))));
    loss -= y * Math.log(q) + (1 - y) * Math.log(1 - q);
  }
  return loss / rows.length;
}

function recall(subset: Evidence[], model: RerankModel): string {
  let r1 = 0;
  let r5 = 0;
  for (const e of subset) {
    const order = [...e.candidates].sort((a, b) => matchProbability(b, model) - matchProbability(a, model));
    const rank = order.findIndex((c) => data.catalog[c.id]!.label === e.label);
    if (rank === 0) r1++;
    if (rank >= 0 && rank < 5) r5++;
  }
  return `${(r1 / subset.length).toFixed(3)}/${(r5 / subset.length).toFixed(3)}`;
}

/** Top candidates bucketed by their match probability: the share that was right, per bucket. */
function reliability(subset: Evidence[], model: RerankModel): string {
  const edges = [0, 0.1, 0.25, 0.5, 1];
  const buckets = edges.slice(1).map(() => ({ n: 0, right: 0, p: 0 }));
  for (const e of subset) {
    const top = [...e.candidates].sort((a, b) => matchProbability(b, model) - matchProbability(a, model))[0];
    if (!top) continue;
    const p = matchProbability(top, model);
    const bucket = buckets[edges.findIndex((edge, i) => p >= edge && p < (edges[i + 1] ?? 2))]!;
    bucket.n++;
    bucket.p += p;
    if (data.catalog[top.id]!.label === e.label) bucket.right++;
  }
  return buckets
    .map(
      (b, i) =>
        `[${edges[i]}, ${edges[i + 1]}): n=${b.n} mean p=${(b.p / Math.max(1, b.n)).toFixed(2)} right=${(b.right / Math.max(1, b.n)).toFixed(2)}`,
    )
    .join('; ');
}

const dev = evidence.filter((e) => e.dev);
const heldOut = evidence.filter((e) => !e.dev);
let best: { model: RerankModel; loss: number } | null = null;
for (const floor of FLOORS) {
  const rows = rowsOf(dev, floor);
  const [bias, similarity, appearance, inliers] = fitLogistic(rows).map((v) => Math.round(v * 100) / 100);
  const model: RerankModel = {
    bias: bias!,
    similarity: similarity!,
    appearance: appearance!,
    inliers: inliers!,
    inlierFloor: floor,
  };
  const loss = logLoss(rows, model);
  log(
    `floor ${floor}: ${JSON.stringify(model)} dev log-loss ${loss.toFixed(4)}, R@1/R@5 dev ${recall(dev, model)}, held-out ${recall(heldOut, model)}`,
  );
  if (!best || loss < best.loss) best = { model, loss };
}
console.log(JSON.stringify({ fitted_on: 'grocery dev half, top 10 candidates', model: best!.model }));
console.log(
  JSON.stringify({
    shipped: DEFAULT_RERANK_MODEL,
    dev: recall(dev, DEFAULT_RERANK_MODEL),
    held_out: recall(heldOut, DEFAULT_RERANK_MODEL),
  }),
);
log(`top-1 reliability, held-out half: ${reliability(heldOut, DEFAULT_RERANK_MODEL)}`);
log(`top-1 reliability, dev half: ${reliability(dev, DEFAULT_RERANK_MODEL)}`);
