import { afterEach, describe, expect, it } from 'vitest';
import { clusteredVectors } from '../../test/clustered-vectors.ts';
import {
  type PineconeDataPlaneServer,
  startPineconeDataPlaneServer,
} from '../../test/pinecone-data-plane-server.ts';
import { CONTRACT_DIMENSIONS, describeVectorIndexContract } from '../../test/vector-index-contract.ts';
import { createPineconeVectorIndex, type PineconeVectorIndexOptions } from './pinecone-vector-index.ts';

describeVectorIndexContract('pinecone over its data-plane API', async () => {
  const server = await startPineconeDataPlaneServer();
  return {
    index: createPineconeVectorIndex({
      host: server.url,
      apiKey: server.apiKey,
      dimensions: CONTRACT_DIMENSIONS,
    }),
    close: () => server.close(),
  };
});

const servers: PineconeDataPlaneServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(dimensions: number, options: Partial<PineconeVectorIndexOptions> = {}) {
  const server = await startPineconeDataPlaneServer();
  servers.push(server);
  const sleeps: number[] = [];
  const index = createPineconeVectorIndex({
    host: `${server.url}/`,
    apiKey: server.apiKey,
    dimensions,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    ...options,
  });
  return { server, index, sleeps };
}

function records(count: number, dimensions: number) {
  return clusteredVectors({ count, dimensions, clusters: 10 }).map((values, i) => ({
    id: `v${i}`,
    values,
    metadata: { productId: `p${i}` },
  }));
}

describe('pinecone vector index', () => {
  it('sends the API key and version, one namespace per store', async () => {
    const { server, index } = await setup(8, { apiVersion: '2025-04' });
    await index.upsert('store-a', records(3, 8));
    const [request] = server.requests;
    expect(request!.path).toBe('/vectors/upsert');
    expect(request!.headers['api-key']).toBe(server.apiKey);
    expect(request!.headers['x-pinecone-api-version']).toBe('2025-04');
    expect(request!.body.namespace).toBe('store-a');
  });

  it('backs off on a 429, honouring Retry-After, and then succeeds', async () => {
    const { server, index, sleeps } = await setup(8);
    server.failNext(429, { 'retry-after': '3' });
    await index.upsert('s', records(4, 8));
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(3000);
    expect(server.requests.map((r) => r.path)).toEqual(['/vectors/upsert', '/vectors/upsert']);
    expect(await index.count('s')).toBe(4);
  });

  it('grows the backoff exponentially on 5xx and gives up with a typed error', async () => {
    const { server, index, sleeps } = await setup(8, { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 10_000 });
    for (let i = 0; i < 4; i++) server.failNext(503);
    await expect(index.count('s')).rejects.toMatchObject({ code: 'upstream_unavailable' });
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
    // Jitter keeps each step within [half, full] of 100·2^n.
    sleeps.forEach((ms, n) => {
      expect(ms).toBeGreaterThanOrEqual(50 * 2 ** n);
      expect(ms).toBeLessThanOrEqual(100 * 2 ** n);
    });
  });

  it('does not retry a request Pinecone rejects, and reports its message', async () => {
    const { server, index } = await setup(8, { apiKey: 'wrong' });
    await expect(index.count('s')).rejects.toMatchObject({
      code: 'upstream_rejected',
      message: expect.stringContaining('Invalid API Key'),
    });
    expect(server.requests).toHaveLength(1);
  });

  it('splits upserts at 1,000 records per request', async () => {
    const { server, index } = await setup(8);
    await index.upsert('s', records(2500, 8));
    const sizes = server.requests.map((r) => (r.body.vectors as unknown[]).length);
    expect(sizes).toEqual([1000, 1000, 500]);
    expect(await index.count('s')).toBe(2500);
  });

  it('splits upserts of 632-d vectors to stay under 2 MB per request', async () => {
    const { server, index } = await setup(632);
    await index.upsert('s', records(600, 632));
    const upserts = server.requests.filter((r) => r.path === '/vectors/upsert');
    expect(upserts.length).toBeGreaterThan(1);
    for (const r of upserts) expect(r.bytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    expect(upserts.reduce((n, r) => n + (r.body.vectors as unknown[]).length, 0)).toBe(600);
    expect(await index.count('s')).toBe(600);
  });

  it('deletes ids in batches of at most 1,000', async () => {
    const { server, index } = await setup(8);
    const data = records(1500, 8);
    await index.upsert('s', data);
    await index.delete(
      's',
      data.map((r) => r.id),
    );
    const deletes = server.requests.filter((r) => r.path === '/vectors/delete');
    expect(deletes.map((r) => (r.body.ids as unknown[]).length)).toEqual([1000, 500]);
    expect(await index.count('s')).toBe(0);
  });
});
