/** Ranking metrics for the search-quality bench: vectors are L2-normalised, similarity is the dot product. */

export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
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
  const n = Math.max(1, queries.length);
  return { recallAt1: r1 / n, recallAt5: r5 / n, coarseRecallAt1: c1 / n, coarseRecallAt5: c5 / n };
}

/**
 * Leave-one-out precision@k and mean average precision where relevant = same label;
 * `rankings[q]` orders every item but q, best first.
 */
export function leaveOneOut(
  items: { label: string }[],
  rankings: number[][],
  k = 10,
): { precisionAtK: number; mAP: number } {
  let precisionSum = 0;
  let apSum = 0;
  items.forEach((query, q) => {
    const relevantTotal = items.filter((item, i) => i !== q && item.label === query.label).length;
    let hits = 0;
    let ap = 0;
    rankings[q]!.forEach((i, rank) => {
      if (items[i]!.label === query.label) {
        hits++;
        ap += hits / (rank + 1);
      }
      if (rank === k - 1) precisionSum += hits / k;
    });
    apSum += relevantTotal > 0 ? ap / relevantTotal : 0;
  });
  const n = Math.max(1, items.length);
  return { precisionAtK: precisionSum / n, mAP: apSum / n };
}
