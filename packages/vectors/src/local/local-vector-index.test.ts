import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { clusteredSpace, clusteredVectors } from '../../test/clustered-vectors.ts';
import { CONTRACT_DIMENSIONS, describeVectorIndexContract } from '../../test/vector-index-contract.ts';
import type { VectorRecord } from '../vector-index.ts';
import { FlatVectors } from './flat-vectors.ts';
import { createLocalVectorIndex, type LocalVectorIndexOptions } from './local-vector-index.ts';

describeVectorIndexContract('local exact scan', async () => ({
  index: createLocalVectorIndex({ dimensions: CONTRACT_DIMENSIONS }),
}));
describeVectorIndexContract('local HNSW f32', async () => ({
  index: createLocalVectorIndex({
    dimensions: CONTRACT_DIMENSIONS,
    exactScanThreshold: 0,
    quantization: 'f32',
  }),
}));
describeVectorIndexContract('local HNSW i8', async () => ({
  index: createLocalVectorIndex({
    dimensions: CONTRACT_DIMENSIONS,
    exactScanThreshold: 0,
    quantization: 'i8',
  }),
}));

const DIMS = 32;

function records(count: number, prefix = 'v'): VectorRecord[] {
  return clusteredVectors({ count, dimensions: DIMS, clusters: 8, seed: 7 }).map((values, i) => ({
    id: `${prefix}${i}`,
    values,
    metadata: { productId: `product-${Math.floor(i / 3)}`, inStock: i % 2 === 0, price: i },
  }));
}

const directories: string[] = [];
afterEach(async () => {
  await Promise.all(directories.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});
async function tempDirectory(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'nlyzer-vectors-'));
  directories.push(dir);
  return dir;
}

describe('local vector index', () => {
  it('moves a store from exact scan to HNSW past the threshold and keeps answering', async () => {
    const index = createLocalVectorIndex({ dimensions: DIMS, exactScanThreshold: 50, quantization: 'f32' });
    const data = records(200);
    await index.upsert('s', data.slice(0, 40));
    await index.upsert('s', data.slice(40));
    expect(await index.count('s')).toBe(200);
    const [best] = await index.query('s', data[123]!.values, { topK: 1 });
    expect(best).toMatchObject({ id: 'v123' });
    expect(best!.score).toBeCloseTo(1, 4);
    const filtered = await index.query('s', data[123]!.values, {
      topK: 5,
      filter: { inStock: true, maxPrice: 60 },
    });
    expect(filtered).toHaveLength(5);
    expect(filtered.every((m) => m.metadata.inStock === true && m.metadata.price! <= 60)).toBe(true);
  });

  for (const [backend, options] of [
    ['exact scan', {}],
    ['HNSW', { exactScanThreshold: 10 }],
  ] as [string, Partial<LocalVectorIndexOptions>][]) {
    it(`persists a ${backend} store and loads it back in a new process`, async () => {
      const directory = await tempDirectory();
      const data = records(60);
      const first = createLocalVectorIndex({ dimensions: DIMS, directory, ...options });
      await first.upsert('store/1', data);
      await first.delete('store/1', ['v0', 'v1']);
      await first.persist('store/1', 'sync-run-42');
      const queries = [data[5]!.values, data[30]!.values, data[0]!.values];
      const before = await Promise.all(queries.map((q) => first.query('store/1', q, { topK: 5 })));

      const second = createLocalVectorIndex({ dimensions: DIMS, directory, ...options });
      expect(await second.count('store/1')).toBe(58);
      expect(await second.watermark('store/1')).toBe('sync-run-42');
      const after = await Promise.all(queries.map((q) => second.query('store/1', q, { topK: 5 })));
      expect(after).toEqual(before);
      await second.upsert('store/1', [{ ...data[0]!, id: 'v0' }]);
      expect((await second.query('store/1', data[0]!.values, { topK: 1 }))[0]!.id).toBe('v0');

      await second.deleteAll('store/1');
      const third = createLocalVectorIndex({ dimensions: DIMS, directory, ...options });
      expect(await third.count('store/1')).toBe(0);
    });
  }

  it('refuses a snapshot written with other settings, so the caller rebuilds', async () => {
    const directory = await tempDirectory();
    const f32 = createLocalVectorIndex({
      dimensions: DIMS,
      directory,
      quantization: 'f32',
      exactScanThreshold: 5,
    });
    await f32.upsert('s', records(20));
    await f32.persist('s');
    const i8 = createLocalVectorIndex({ dimensions: DIMS, directory, quantization: 'i8' });
    await expect(i8.count('s')).rejects.toMatchObject({ code: 'snapshot_corrupt' });
    await i8.rebuild('s', [records(3)]);
    expect(await i8.count('s')).toBe(3);
  });

  it('rebuilds a store from streamed batches, replacing what it held, and persists it', async () => {
    const directory = await tempDirectory();
    const index = createLocalVectorIndex({ dimensions: DIMS, directory, exactScanThreshold: 30 });
    await index.upsert('s', records(10, 'stale-'));
    async function* rows() {
      const data = records(90);
      for (let i = 0; i < data.length; i += 25) yield data.slice(i, i + 25);
    }
    await index.rebuild('s', rows(), 'w-7');
    expect(await index.count('s')).toBe(90);
    const hits = await index.query('s', records(1, 'stale-')[0]!.values, { topK: 90 });
    expect(hits.some((m) => m.id.startsWith('stale-'))).toBe(false);
    const reopened = createLocalVectorIndex({ dimensions: DIMS, directory, exactScanThreshold: 30 });
    expect(await reopened.count('s')).toBe(90);
    expect(await reopened.watermark('s')).toBe('w-7');
  });

  it('keeps recall@10 ≥ 0.95 against an exact scan on 5K clustered 632-d vectors with the default HNSW', async () => {
    const dimensions = 632;
    const space = clusteredSpace({ dimensions, clusters: 50, seed: 3 });
    const vectors = space.sample(5000);
    const queries = space.sample(100);
    const index = createLocalVectorIndex({ dimensions, exactScanThreshold: 0 });
    await index.upsert(
      's',
      vectors.map((values, i) => ({ id: String(i), values, metadata: { productId: String(i) } })),
    );
    const exact = new FlatVectors(dimensions, vectors.length);
    for (const [i, v] of vectors.entries()) exact.add(i, v);
    let found = 0;
    for (const q of queries) {
      const truth = new Set(exact.search(q, 10).map((hit) => String(hit.key)));
      for (const m of await index.query('s', q, { topK: 10 })) if (truth.has(m.id)) found++;
    }
    expect(found / (queries.length * 10)).toBeGreaterThanOrEqual(0.95);
  }, 20_000);
});
