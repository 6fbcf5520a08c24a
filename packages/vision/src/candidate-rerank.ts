import { blockSimilarity, DEFAULT_DESCRIPTOR_CONFIG, descriptorDims } from './descriptor-embedder.ts';
import type { GeometricVerifier, LocalFeatures } from './geometric-verifier.ts';

/**
 * The second stage of a search: the nearest catalog products by global vector are
 * re-scored with evidence the vector index cannot use, and the evidence is fused into
 * one match probability.
 *
 * - similarity: the cosine of the query vector with the product's best view (what the
 *   k-NN ranked by);
 * - appearance: the same with only the colour and texture blocks of the descriptor —
 *   its HOG grid and silhouette carry garment category but mislead on a shelf or a pile
 *   of produce, and a re-rank of the top 10 cannot move a product into or out of a
 *   top 10 anyway;
 * - inliers: local features consistent with one placement of the catalog photo in the
 *   query (printed packaging, logos, text).
 *
 * `score` = σ(bias + w_s·similarity + w_a·appearance + w_i·ln(1 + max(0, inliers − floor))):
 * the estimated probability that the candidate is the product in the photo. It depends
 * on this candidate and the query only — not on the other candidates — so it stays
 * comparable across queries and a threshold on the top score is a confidence
 * threshold. The weights are a logistic regression fitted on the grocery bench's dev
 * half (odd-numbered shopper photos, top-10 candidates each); the even half was held
 * out (see bench/search-quality.ts).
 */
export interface RerankModel {
  bias: number;
  similarity: number;
  appearance: number;
  inliers: number;
  /** inlier count that chance alone reaches between unrelated photos */
  inlierFloor: number;
}

export const DEFAULT_RERANK_MODEL: RerankModel = {
  bias: -12.27,
  similarity: 3.24,
  appearance: 9.64,
  inliers: 0.77,
  inlierFloor: 3,
};

export interface RerankQuery {
  /** the query's global vector from the default descriptor embedder */
  vector: Float32Array;
  /** `verifier.features(photo)`; null skips the geometric check */
  features: LocalFeatures | null;
}

export interface RerankCandidate<Id> {
  id: Id;
  /** the vectors of the product's catalog views (`catalogViews`), embedded like the query */
  vectors: readonly Float32Array[];
  /** `verifier.catalogFeatures(photo)` of the original catalog photo, null when not extracted */
  features: LocalFeatures | null;
}

export interface RerankedCandidate<Id> {
  id: Id;
  /** match probability in 0..1; candidates come back sorted by it, best first */
  score: number;
  similarity: number;
  appearance: number;
  inliers: number;
}

export interface RerankOptions {
  verifier: GeometricVerifier;
  model?: RerankModel;
}

const appearanceOf = blockSimilarity(DEFAULT_DESCRIPTOR_CONFIG, ['colour', 'lbp']);
const DESCRIPTOR_DIMS = descriptorDims(DEFAULT_DESCRIPTOR_CONFIG);

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export function matchProbability(
  evidence: { similarity: number; appearance: number; inliers: number },
  model: RerankModel = DEFAULT_RERANK_MODEL,
): number {
  const z =
    model.bias +
    model.similarity * evidence.similarity +
    model.appearance * evidence.appearance +
    model.inliers * Math.log1p(Math.max(0, evidence.inliers - model.inlierFloor));
  return 1 / (1 + Math.exp(-z));
}

export function rerankCandidates<Id>(
  query: RerankQuery,
  candidates: readonly RerankCandidate<Id>[],
  options: RerankOptions,
): RerankedCandidate<Id>[] {
  const model = options.model ?? DEFAULT_RERANK_MODEL;
  // another embedder's vectors have no colour/texture blocks to single out
  const blockwise = query.vector.length === DESCRIPTOR_DIMS;
  return candidates
    .map((candidate) => {
      let similarity = Number.NEGATIVE_INFINITY;
      let appearance = Number.NEGATIVE_INFINITY;
      for (const view of candidate.vectors) {
        const s = dot(query.vector, view);
        similarity = Math.max(similarity, s);
        appearance = Math.max(appearance, blockwise ? appearanceOf(query.vector, view) : s);
      }
      if (candidate.vectors.length === 0) {
        similarity = 0;
        appearance = 0;
      }
      const inliers =
        query.features && candidate.features
          ? options.verifier.inliers(query.features, candidate.features)
          : 0;
      const evidence = { similarity, appearance, inliers };
      return { id: candidate.id, score: matchProbability(evidence, model), ...evidence };
    })
    .sort((a, b) => b.score - a.score);
}
