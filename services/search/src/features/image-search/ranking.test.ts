import { describe, expect, it } from 'vitest';
import { calibratedConfidence } from './confidence.ts';
import { applyBusinessRules, fuseRankings, groupByProduct } from './ranking.ts';

const match = (id: string, productId: string, score: number) => ({ id, score, metadata: { productId } });

describe('ranking', () => {
  it('keeps the best view of each product, best product first', () => {
    const grouped = groupByProduct([
      match('a:0:0', 'a', 0.7),
      match('b:0:0', 'b', 0.8),
      match('a:0:1', 'a', 0.9),
      match('c:0:0', 'c', 0.1),
    ]);
    expect(grouped).toEqual([
      { productId: 'a', score: 0.9 },
      { productId: 'b', score: 0.8 },
      { productId: 'c', score: 0.1 },
    ]);
  });

  it('fuses rankings by position, a product first in every list scoring 1', () => {
    const fused = fuseRankings([
      [
        { productId: 'x', score: 0.9 },
        { productId: 'y', score: 0.8 },
      ],
      [
        { productId: 'x', score: 0.2 },
        { productId: 'z', score: 0.1 },
      ],
    ]);
    expect(fused[0]).toEqual({ productId: 'x', score: 1 });
    expect(fused.map((c) => c.productId)).toEqual(['x', 'y', 'z']);
  });

  it('puts in-stock near-ties first and lets boosts reorder near-ties only', () => {
    const products = new Map([
      ['out', { inStock: false, boost: 0 }],
      ['in', { inStock: true, boost: 0 }],
      ['boosted', { inStock: true, boost: 1 }],
      ['clear', { inStock: false, boost: 0 }],
    ]);
    const ranked = applyBusinessRules(
      [
        { productId: 'clear', score: 0.99 },
        { productId: 'out', score: 0.8 },
        { productId: 'in', score: 0.78 },
        { productId: 'boosted', score: 0.6 },
        { productId: 'deleted', score: 0.5 },
      ],
      products,
    );
    expect(ranked.map((r) => r.productId)).toEqual(['clear', 'in', 'out', 'boosted']);
    // The shown score stays the similarity.
    expect(ranked.find((r) => r.productId === 'boosted')?.score).toBe(0.6);
  });

  it('gives a clear, high match a high confidence and a crowded or weak top a low one', () => {
    const clear = calibratedConfidence('descriptor', 0.95, 0.7);
    const crowded = calibratedConfidence('descriptor', 0.8, 0.79);
    const weak = calibratedConfidence('descriptor', 0.5, 0.45);
    expect(clear).toBeGreaterThan(crowded);
    expect(crowded).toBeGreaterThan(weak);
    for (const c of [clear, crowded, weak]) expect(c).toBeGreaterThanOrEqual(0);
    expect(calibratedConfidence('descriptor', null, null)).toBe(0);
  });
});
