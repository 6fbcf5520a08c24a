import {
  blocksOf,
  DEFAULT_DESCRIPTOR_CONFIG,
  describeImage,
  descriptorDims,
  selectBlocks,
} from './descriptor-embedder.ts';
import type { DecodedImage } from './embedder.ts';
import type { GeometricVerifier, LocalFeatures } from './geometric-verifier.ts';
import { centreCrop } from './image-crop.ts';

/**
 * The second stage of a search: the nearest catalog products by global vector are
 * re-scored with evidence the vector index cannot use, and the evidence is fused into
 * one match probability.
 *
 * - similarity: the cosine of the query vector with the product's best view (what the
 *   k-NN ranked by);
 * - appearance: the middle of the photo (where a shopper holds or frames the product,
 *   with less shelf around it) against the product's best view, on the colour and
 *   texture blocks of the descriptor only — its HOG grid and silhouette carry garment
 *   category but mislead on a shelf or a pile of produce; re-ranking only the top 10
 *   leaves which products make a top 10 (the category precision that shape buys) to
 *   the global stage;
 * - inliers: local features consistent with one placement of the catalog photo in the
 *   query (printed packaging, logos, text).
 *
 * `score` = σ(bias + w_s·similarity + w_a·appearance + w_i·ln(1 + max(0, inliers − floor))):
 * the estimated probability that the candidate is the product in the photo. It depends
 * on this candidate and the query only — not on the other candidates — so it stays
 * comparable across queries and a threshold on the top score is a confidence
 * threshold. The weights are a logistic regression fitted on the grocery bench's dev
 * half (odd-numbered shopper photos, top-10 candidates each; bench/fit-rerank-model.ts);
 * on the held-out even half a top score in [0.25, 0.5) was the right product 17 times
 * in 20, in [0.5, 1) 5 in 7, below 0.25 about 1 in 6: probabilities of a pair, so the
 * best of ten is rather under- than over-confident. Refit for another kind of catalog.
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
  bias: -11.93,
  similarity: 2.91,
  appearance: 9.64,
  inliers: 0.78,
  inlierFloor: 3,
};

export interface RerankQuery {
  /** the query's global vector from the default descriptor embedder */
  vector: Float32Array;
  /** colour and texture of the middle of the photo; null compares the whole photo's */
  appearance: Float32Array | null;
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

const APPEARANCE_BLOCKS = ['colour', 'lbp'] as const;
// a smaller working copy than the global descriptor's: as good on the bench, 2-3 ms cheaper
const APPEARANCE_CONFIG = { ...blocksOf(DEFAULT_DESCRIPTOR_CONFIG, APPEARANCE_BLOCKS), workingSide: 96 };
const appearanceOf = selectBlocks(DEFAULT_DESCRIPTOR_CONFIG, APPEARANCE_BLOCKS);
const DESCRIPTOR_DIMS = descriptorDims(DEFAULT_DESCRIPTOR_CONFIG);
/** share of each side kept as "the middle of the photo" */
const QUERY_CENTRE = 0.6;

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

/**
 * Everything the re-rank needs from a shopper photo beside the global vector the k-NN
 * used: the appearance of its middle and, with a verifier, its local features.
 */
export function createRerankQuery(
  image: DecodedImage,
  vector: Float32Array,
  verifier: GeometricVerifier | null,
): RerankQuery {
  return {
    vector,
    appearance: describeImage(centreCrop(image, QUERY_CENTRE), APPEARANCE_CONFIG),
    features: verifier ? verifier.features(image) : null,
  };
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
  const queryAppearance = blockwise ? (query.appearance ?? appearanceOf(query.vector)) : null;
  return candidates
    .map((candidate) => {
      let similarity = candidate.vectors.length > 0 ? Number.NEGATIVE_INFINITY : 0;
      let appearance = similarity;
      for (const view of candidate.vectors) {
        const s = dot(query.vector, view);
        similarity = Math.max(similarity, s);
        appearance = Math.max(appearance, queryAppearance ? dot(queryAppearance, appearanceOf(view)) : s);
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
