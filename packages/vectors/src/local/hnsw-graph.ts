import usearch, { type Index } from 'usearch';
import type { ScoredKey } from './top-k.ts';

/**
 * How the graph stores vectors: f32 (4 B/dim), f16 (2 B/dim, recall indistinguishable from
 * f32 in the bench), i8 (1 B/dim; usearch's i8 kernels lose too much precision on
 * normalised 632-d vectors: recall@10 ≈ 0.84, below the 0.95 target).
 */
export type Quantization = 'f32' | 'f16' | 'i8';

const SCALAR_KIND = {
  f32: usearch.ScalarKind.F32,
  f16: usearch.ScalarKind.F16,
  i8: usearch.ScalarKind.I8,
} as const;

export interface HnswSettings {
  dimensions: number;
  quantization: Quantization;
  /** Graph degree (M). */
  connectivity: number;
  /** Beam width while inserting (efConstruction). */
  expansionAdd: number;
  /** Beam width while searching (ef); raised to k when k is larger. */
  expansionSearch: number;
  /** Threads for bulk inserts; 0 lets usearch use every core. */
  threads: number;
}

/**
 * usearch's HNSW. Floats use inner product (vectors are normalised, so it is the cosine);
 * i8 uses cosine because usearch rescales quantised cosines to [0, 2] but not inner products.
 */
export class HnswGraph {
  readonly #index: Index;
  readonly #threads: number;

  constructor(settings: HnswSettings) {
    this.#index = new usearch.Index({
      dimensions: settings.dimensions,
      metric: settings.quantization === 'i8' ? usearch.MetricKind.Cos : usearch.MetricKind.IP,
      quantization: SCALAR_KIND[settings.quantization],
      connectivity: settings.connectivity,
      expansion_add: settings.expansionAdd,
      expansion_search: settings.expansionSearch,
      multi: false,
    });
    this.#threads = settings.threads;
  }

  get size(): number {
    return this.#index.size();
  }

  /** `rows` holds `keys.length` vectors back to back. */
  add(keys: readonly number[], rows: Float32Array): void {
    if (keys.length === 0) return;
    this.#index.add(BigUint64Array.from(keys, BigInt), rows, this.#threads);
  }

  remove(keys: readonly number[]): void {
    if (keys.length > 0) this.#index.remove(BigUint64Array.from(keys, BigInt));
  }

  search(query: Float32Array, k: number): ScoredKey[] {
    if (this.size === 0) return [];
    // One thread: a single query is too small to amortise handing work to a pool.
    const matches = this.#index.search(query, Math.min(k, this.size), 1);
    const out: ScoredKey[] = [];
    for (let i = 0; i < matches.keys.length; i++) {
      const distance = matches.distances[i]!;
      if (!Number.isFinite(distance)) continue;
      out.push({ key: Number(matches.keys[i]!), score: 1 - distance });
    }
    return out;
  }

  save(path: string): void {
    this.#index.save(path);
  }

  load(path: string): void {
    this.#index.load(path);
  }
}
