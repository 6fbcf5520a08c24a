import { describe, expect, it } from 'vitest';
import type { VectorIndex, VectorMetadata, VectorRecord } from '../src/index.ts';
import { VectorIndexError } from '../src/index.ts';
import { normalise } from './clustered-vectors.ts';

export const CONTRACT_DIMENSIONS = 8;

export interface ContractSubject {
  index: VectorIndex;
  close?: () => Promise<void>;
}

/** An axis-leaning unit vector: records on different axes are easy to tell apart by score. */
function axis(i: number, lean = 0): Float32Array {
  const v = new Float32Array(CONTRACT_DIMENSIONS).fill(0.01);
  v[i % CONTRACT_DIMENSIONS] = 1;
  v[(i + 1) % CONTRACT_DIMENSIONS] = lean;
  return normalise(v);
}

function record(id: string, values: Float32Array, metadata: Partial<VectorMetadata> = {}): VectorRecord {
  return { id, values, metadata: { productId: `p-${id}`, ...metadata } };
}

const CATALOGUE: VectorRecord[] = [
  record('a', axis(0, 0.1), { inStock: true, price: 10, category: 'shoes' }),
  record('b', axis(0, 0.3), { inStock: false, price: 20, category: 'shoes' }),
  record('c', axis(0, 0.5), { inStock: true, price: 30, category: 'bags' }),
  record('d', axis(0, 0.7), { inStock: true, category: 'hats' }),
  record('e', axis(3), { inStock: true, price: 5, category: 'shoes' }),
];

/** What every VectorIndex adapter promises; run once per adapter (and per local backend). */
export function describeVectorIndexContract(name: string, open: () => Promise<ContractSubject>): void {
  describe(`${name} satisfies the VectorIndex contract`, () => {
    async function withIndex(fn: (index: VectorIndex) => Promise<void>): Promise<void> {
      const subject = await open();
      try {
        await fn(subject.index);
      } finally {
        await subject.close?.();
      }
    }

    it('returns the nearest vectors best first, with cosine scores and metadata', () =>
      withIndex(async (index) => {
        await index.upsert('store-1', CATALOGUE);
        const matches = await index.query('store-1', axis(0), { topK: 3 });
        expect(matches.map((m) => m.id)).toEqual(['a', 'b', 'c']);
        expect(matches[0]!.score).toBeCloseTo(dot(axis(0), CATALOGUE[0]!.values), 2);
        expect(matches[0]!.metadata).toEqual({
          productId: 'p-a',
          inStock: true,
          price: 10,
          category: 'shoes',
        });
        expect(await index.count('store-1')).toBe(5);
      }));

    it('never lets one store see another store’s vectors', () =>
      withIndex(async (index) => {
        await index.upsert('store-1', CATALOGUE);
        await index.upsert('store-2', [record('a', axis(5), { productId: 'other-store-product' })]);
        const fromTwo = await index.query('store-2', axis(0), { topK: 10 });
        expect(fromTwo.map((m) => m.metadata.productId)).toEqual(['other-store-product']);
        const fromOne = await index.query('store-1', axis(5), { topK: 10 });
        expect(fromOne.map((m) => m.metadata.productId)).not.toContain('other-store-product');
        expect(await index.count('store-3')).toBe(0);
        expect(await index.query('store-3', axis(0), { topK: 5 })).toEqual([]);
      }));

    it('overwrites a record upserted again under the same id', () =>
      withIndex(async (index) => {
        await index.upsert('store-1', CATALOGUE);
        await index.upsert('store-1', [record('a', axis(6), { productId: 'moved', inStock: false })]);
        expect(await index.count('store-1')).toBe(5);
        const [best] = await index.query('store-1', axis(6), { topK: 1 });
        expect(best).toMatchObject({ id: 'a', metadata: { productId: 'moved', inStock: false } });
        const nearOldPlace = await index.query('store-1', axis(0), { topK: 2 });
        expect(nearOldPlace.map((m) => m.id)).toEqual(['b', 'c']);
      }));

    it('deletes by id, ignoring unknown ids, and deletes a whole store', () =>
      withIndex(async (index) => {
        await index.upsert('store-1', CATALOGUE);
        await index.upsert('store-2', CATALOGUE);
        await index.delete('store-1', ['a', 'nope']);
        expect(await index.count('store-1')).toBe(4);
        expect((await index.query('store-1', axis(0), { topK: 1 }))[0]!.id).toBe('b');
        await index.deleteAll('store-1');
        await index.deleteAll('never-used');
        expect(await index.count('store-1')).toBe(0);
        expect(await index.query('store-1', axis(0), { topK: 3 })).toEqual([]);
        expect(await index.count('store-2')).toBe(5);
      }));

    it('filters on stock, price range and category', () =>
      withIndex(async (index) => {
        await index.upsert('store-1', CATALOGUE);
        const ids = async (filter: Parameters<VectorIndex['query']>[2]['filter']) =>
          (await index.query('store-1', axis(0), { topK: 10, filter })).map((m) => m.id);
        expect(await ids({ inStock: true })).toEqual(['a', 'c', 'd', 'e']);
        expect(await ids({ inStock: false })).toEqual(['b']);
        expect(await ids({ minPrice: 10, maxPrice: 20 })).toEqual(['a', 'b']);
        expect(await ids({ maxPrice: 100 })).not.toContain('d');
        expect(await ids({ categories: ['bags', 'hats'] })).toEqual(['c', 'd']);
        expect(await ids({ inStock: true, categories: ['shoes'], minPrice: 6 })).toEqual(['a']);
        expect(await ids({ categories: ['none'] })).toEqual([]);
      }));

    it('refuses vectors of the wrong dimension with a typed error', () =>
      withIndex(async (index) => {
        const wrong = record('x', new Float32Array(CONTRACT_DIMENSIONS + 1));
        await expect(index.upsert('store-1', [wrong])).rejects.toMatchObject({
          name: 'VectorIndexError',
          code: 'dimension_mismatch',
        });
        await expect(index.query('store-1', new Float32Array(3), { topK: 1 })).rejects.toBeInstanceOf(
          VectorIndexError,
        );
      }));
  });
}

function dot(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
