/**
 * Local vector index bench: build time, query latency, recall@10 against an exact scan of
 * the same vectors, and memory, per index variant and store size. Each variant runs in its
 * own child process so its RSS delta is its own. Last lines: one JSON object per measurement.
 *
 *   node bench/vector-bench.ts [--sizes 10000,100000] [--dims 632]
 */
import { execFileSync } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import usearch, { type BatchMatches } from 'usearch';
import { createLocalVectorIndex, type LocalVectorIndexOptions } from '../src/index.ts';
import { FlatVectors } from '../src/local/flat-vectors.ts';
import { clusteredSpace } from '../test/clustered-vectors.ts';

const K = 10;
const QUERIES = 1000;
const RUNS = 3;
const REBUILD_BATCH = 5000;

const VARIANTS: Record<string, Partial<LocalVectorIndexOptions>> = {
  'local-exact': { exactScanThreshold: Number.POSITIVE_INFINITY },
  'local-hnsw-f32': { exactScanThreshold: 0, quantization: 'f32' },
  'local-hnsw-f16': { exactScanThreshold: 0, quantization: 'f16' },
  'local-hnsw-int8': { exactScanThreshold: 0, quantization: 'i8' },
};

interface CaseFiles {
  dir: string;
  count: number;
  dims: number;
}

const { values: args } = parseArgs({
  // `pnpm run bench -- --sizes …` passes the `--` through.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    sizes: { type: 'string', default: '10000,100000' },
    dims: { type: 'string', default: '632' },
    child: { type: 'string' },
    dir: { type: 'string' },
    count: { type: 'string' },
  },
});

if (args.child !== undefined) {
  await runVariant(args.child, { dir: args.dir!, count: Number(args.count), dims: Number(args.dims) });
} else {
  await main();
}

async function main(): Promise<void> {
  const dims = Number(args.dims);
  const lines: string[] = [];
  for (const count of args.sizes!.split(',').map(Number)) {
    const dir = mkdtempSync(join(tmpdir(), 'vector-bench-'));
    try {
      prepare({ dir, count, dims });
      for (const variant of Object.keys(VARIANTS)) {
        const out = execFileSync(
          process.execPath,
          [
            import.meta.filename,
            '--child',
            variant,
            '--dir',
            dir,
            '--count',
            String(count),
            '--dims',
            String(dims),
          ],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 },
        );
        const line = out.trim().split('\n').at(-1)!;
        console.log(line);
        lines.push(line);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  lines.push(...crossover(dims));
  console.log('--- results ---');
  for (const line of lines) console.log(line);
}

/** Vectors, queries and the exact top-10 per query, written once and shared by every variant. */
function prepare({ dir, count, dims }: CaseFiles): void {
  const space = clusteredSpace({
    dimensions: dims,
    clusters: Math.max(20, Math.round(count / 100)),
    seed: 42,
  });
  const data = flatten(space.sample(count), dims);
  const queries = flatten(space.sample(QUERIES), dims);
  // usearch's brute-force kernel: exact, multi-threaded, and a different code path from its graph.
  const exact = usearch.exactSearch(data, queries, dims, K, usearch.MetricKind.IP, 0) as BatchMatches;
  const truth = new Uint32Array(QUERIES * K);
  for (let q = 0; q < QUERIES; q++) {
    for (const [i, key] of exact.get(q).keys.entries()) truth[q * K + i] = Number(key);
  }
  // Cross-check against the package's own scan so a kernel bug cannot pass unnoticed.
  const flat = new FlatVectors(dims, Math.min(count, 20_000));
  for (let i = 0; i < Math.min(count, 20_000); i++) flat.add(i, data.subarray(i * dims, (i + 1) * dims));
  if (count <= 20_000) {
    const q0 = flat.search(queries.subarray(0, dims), K).map((h) => h.key);
    if (q0.join() !== Array.from(truth.subarray(0, K)).join()) throw new Error('exact scans disagree');
  }
  writeFileSync(join(dir, 'data.f32'), bytes(data));
  writeFileSync(join(dir, 'queries.f32'), bytes(queries));
  writeFileSync(join(dir, 'truth.u32'), bytes(truth));
}

async function runVariant(variant: string, { dir, count, dims }: CaseFiles): Promise<void> {
  const data = readF32(join(dir, 'data.f32'));
  const queries = readF32(join(dir, 'queries.f32'));
  const truth = new Uint32Array(readF32(join(dir, 'truth.u32')).buffer);
  const records = Array.from({ length: count }, (_, i) => ({
    id: String(i),
    values: data.subarray(i * dims, (i + 1) * dims),
    metadata: { productId: `p${Math.floor(i / 4)}` },
  }));
  await settle();
  const rssBefore = process.memoryUsage().rss;
  const index = createLocalVectorIndex({ dimensions: dims, ...VARIANTS[variant] });
  const started = performance.now();
  await index.rebuild(
    's',
    (function* () {
      for (let i = 0; i < count; i += REBUILD_BATCH) yield records.slice(i, i + REBUILD_BATCH);
    })(),
  );
  const buildSeconds = (performance.now() - started) / 1000;
  await settle();
  const rssDelta = process.memoryUsage().rss - rssBefore;

  // The exact scan at 100K takes ~tens of ms a query; fewer of them still give a stable p95.
  const queryCount = variant === 'local-exact' && count > 20_000 ? 200 : QUERIES;
  const runs = variant === 'local-exact' && count > 20_000 ? 1 : RUNS;
  const query = (q: number) => index.query('s', queries.subarray(q * dims, (q + 1) * dims), { topK: K });
  for (let q = 0; q < 100; q++) await query(q);
  const p50s: number[] = [];
  const p95s: number[] = [];
  let found = 0;
  for (let run = 0; run < runs; run++) {
    const times: number[] = [];
    for (let q = 0; q < queryCount; q++) {
      const t0 = performance.now();
      const matches = await query(q);
      times.push(performance.now() - t0);
      if (run === 0) {
        const expected = new Set(truth.subarray(q * K, (q + 1) * K));
        for (const m of matches) if (expected.has(Number(m.id))) found++;
      }
    }
    times.sort((a, b) => a - b);
    p50s.push(percentile(times, 0.5));
    p95s.push(percentile(times, 0.95));
  }
  console.log(
    JSON.stringify({
      bench: 'vectors',
      index: variant,
      vectors: count,
      dims,
      queries: queryCount,
      runs,
      query_p50_ms: round(median(p50s), 3),
      query_p95_ms: round(median(p95s), 3),
      recall_at_10: round(found / (queryCount * K), 4),
      build_s: round(buildSeconds, 2),
      mb_per_100k: round((rssDelta / 2 ** 20) * (100_000 / count), 1),
    }),
  );
}

/** Where HNSW starts beating the exact scan: query p50 of both at growing store sizes. */
function crossover(dims: number): string[] {
  const lines: string[] = [];
  for (const count of [1000, 2000, 4000, 8000]) {
    const space = clusteredSpace({ dimensions: dims, clusters: 20, seed: 7 });
    const vectors = space.sample(count);
    const queries = space.sample(300);
    const flat = new FlatVectors(dims, count);
    for (const [i, v] of vectors.entries()) flat.add(i, v);
    const graph = new usearch.Index({
      dimensions: dims,
      metric: usearch.MetricKind.IP,
      quantization: usearch.ScalarKind.F16,
      connectivity: 16,
      expansion_add: 128,
      expansion_search: 64,
      multi: false,
    });
    graph.add(BigUint64Array.from(vectors.keys(), BigInt), flatten(vectors, dims), 0);
    const time = (fn: (q: Float32Array) => void) => {
      const times = queries.map((q) => {
        const t0 = performance.now();
        fn(q);
        return performance.now() - t0;
      });
      return round(
        percentile(
          times.sort((a, b) => a - b),
          0.5,
        ),
        3,
      );
    };
    lines.push(
      JSON.stringify({
        bench: 'vectors-crossover',
        vectors: count,
        dims,
        exact_p50_ms: time((q) => flat.search(q, K)),
        hnsw_f16_p50_ms: time((q) => graph.search(q, K, 1)),
      }),
    );
  }
  return lines;
}

function flatten(vectors: Float32Array[], dims: number): Float32Array {
  const out = new Float32Array(vectors.length * dims);
  for (const [i, v] of vectors.entries()) out.set(v, i * dims);
  return out;
}

function bytes(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Read straight into the typed array: a Buffer copy would be freed mid-measurement and skew RSS. */
function readF32(path: string): Float32Array {
  const fd = openSync(path, 'r');
  try {
    const out = new Float32Array(fstatSync(fd).size / 4);
    const target = bytes(out);
    for (let read = 0; read < target.length; ) read += readSync(fd, target, read, target.length - read, read);
    return out;
  } finally {
    closeSync(fd);
  }
}

/** V8 frees array buffers off-thread after a GC; give it a moment so RSS reflects live memory. */
async function settle(): Promise<void> {
  globalThis.gc?.();
  await new Promise((resolve) => setTimeout(resolve, 200));
  globalThis.gc?.();
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
