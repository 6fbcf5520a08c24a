/** Ranking metrics for the search-quality bench: vectors are L2-normalised, similarity is the dot product. */

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}

export interface CatalogEntry {
  label: string;
  coarse: string;
  /** one or more vectors per product; a product scores its best-matching vector */
  vectors: Float32Array[];
}

export interface LabelledQuery {
  label: string;
  coarse: string;
  vector: Float32Array;
}

/** Catalog indices ordered best first for one query. */
export function rankCatalog(
  query: Float32Array,
  catalog: CatalogEntry[],
): { index: number; score: number }[] {
  return catalog
    .map((entry, index) => ({ index, score: Math.max(...entry.vectors.map((v) => dot(query, v))) }))
    .sort((a, b) => b.score - a.score);
}

export interface RecallFigures {
  recallAt1: number;
  recallAt5: number;
  coarseRecallAt1: number;
  coarseRecallAt5: number;
}

/** Recall@k of the query's class among the catalog (fine), and of any product of its coarse class. */
export function recallFromRankings(
  queries: { label: string; coarse: string }[],
  rankings: number[][],
  catalog: { label: string; coarse: string }[],
): RecallFigures {
  let r1 = 0;
  let r5 = 0;
  let c1 = 0;
  let c5 = 0;
  queries.forEach((q, n) => {
    const top = rankings[n]!.slice(0, 5).map((i) => catalog[i]!);
    if (top[0]?.label === q.label) r1++;
    if (top.some((e) => e.label === q.label)) r5++;
    if (top[0]?.coarse === q.coarse) c1++;
    if (top.some((e) => e.coarse === q.coarse)) c5++;
  });
  const n = queries.length;
  return { recallAt1: r1 / n, recallAt5: r5 / n, coarseRecallAt1: c1 / n, coarseRecallAt5: c5 / n };
}

/** Leave-one-out precision@k and mean average precision where relevant = same label. */
export function leaveOneOut(
  items: { label: string; vector: Float32Array }[],
  k = 10,
): { precisionAtK: number; mAP: number } {
  let precisionSum = 0;
  let apSum = 0;
  for (let q = 0; q < items.length; q++) {
    const query = items[q]!;
    const ranked = items
      .map((item, i) => ({ i, score: i === q ? Number.NEGATIVE_INFINITY : dot(query.vector, item.vector) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, items.length - 1);
    const relevantTotal = items.filter((item, i) => i !== q && item.label === query.label).length;
    let hits = 0;
    let ap = 0;
    ranked.forEach((r, rank) => {
      if (items[r.i]!.label === query.label) {
        hits++;
        ap += hits / (rank + 1);
      }
      if (rank === k - 1) precisionSum += hits / k;
    });
    apSum += relevantTotal > 0 ? ap / relevantTotal : 0;
  }
  return { precisionAtK: precisionSum / items.length, mAP: apSum / items.length };
}
