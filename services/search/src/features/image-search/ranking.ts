import type { VectorMatch } from '@nlyzer/vectors';

/** One product's best evidence: several images and views per product come back from the index. */
export interface Candidate {
  productId: string;
  /** 0..1, higher is closer. */
  score: number;
}

/** Best match per product, best first. */
export function groupByProduct(matches: readonly VectorMatch[]): Candidate[] {
  const best = new Map<string, number>();
  for (const match of matches) {
    const productId = match.metadata.productId;
    const score = Math.max(0, Math.min(1, match.score));
    if ((best.get(productId) ?? -1) < score) best.set(productId, score);
  }
  return [...best].map(([productId, score]) => ({ productId, score })).sort((a, b) => b.score - a.score);
}

/**
 * Reciprocal rank fusion (Cormack et al., k = 60): merges rankings whose scores are not
 * comparable (cosine similarity and full-text rank) by position alone. The fused score
 * is rescaled so the best possible product (first in every list) scores 1.
 */
export function fuseRankings(rankings: readonly (readonly Candidate[])[], k = 60): Candidate[] {
  const fused = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((candidate, rank) => {
      fused.set(candidate.productId, (fused.get(candidate.productId) ?? 0) + 1 / (k + rank + 1));
    });
  }
  const best = rankings.length / (k + 1);
  return [...fused]
    .map(([productId, score]) => ({ productId, score: score / best }))
    .sort((a, b) => b.score - a.score);
}

export interface RankedProduct {
  inStock: boolean;
  /** Merchant's nudge, -1..1. */
  boost: number;
}

/** How far a full boost moves a product: enough to reorder near-ties, never to bury a clear match. */
export const BOOST_WEIGHT = 0.1;
/** Out-of-stock products sort after in-stock ones that are nearly as similar. */
export const OUT_OF_STOCK_PENALTY = 0.05;

/**
 * Business rules on top of similarity: per-product boosts and in-stock first. Both
 * shift the ranking key only; the score shown (and the confidence) stays the similarity,
 * so a boost can't make a poor match look certain.
 */
export function applyBusinessRules<P extends RankedProduct>(
  candidates: readonly Candidate[],
  products: ReadonlyMap<string, P>,
): (Candidate & { product: P })[] {
  return candidates
    .flatMap((candidate) => {
      const product = products.get(candidate.productId);
      // Gone since the index answered (deleted a moment ago): skip rather than show a dead link.
      return product === undefined ? [] : [{ ...candidate, product }];
    })
    .map((entry) => ({
      entry,
      key:
        entry.score + BOOST_WEIGHT * entry.product.boost - (entry.product.inStock ? 0 : OUT_OF_STOCK_PENALTY),
    }))
    .sort((a, b) => b.key - a.key)
    .map(({ entry }) => entry);
}
