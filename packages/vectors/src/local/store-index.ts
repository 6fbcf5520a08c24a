import {
  matchesFilter,
  type VectorFilter,
  type VectorMatch,
  type VectorMetadata,
  type VectorQueryOptions,
  type VectorRecord,
} from '../vector-index.ts';
import { assertDimensions } from '../vector-index-error.ts';
import { FlatVectors } from './flat-vectors.ts';
import { HnswGraph, type HnswSettings } from './hnsw-graph.ts';
import type { ScoredKey } from './top-k.ts';

export interface StoreIndexSettings extends HnswSettings {
  /** Up to this many vectors a store is scanned exactly; past it, it moves to HNSW for good. */
  exactScanThreshold: number;
  /** Filtered graph queries first fetch topK × this, then widen until enough pass. */
  filterOverfetch: number;
}

export interface StoreEntry {
  id: string;
  metadata: VectorMetadata;
}

/** What a snapshot captures. */
export interface StoreIndexState {
  nextKey: number;
  entries: Map<number, StoreEntry>;
  backend: { kind: 'flat'; flat: FlatVectors } | { kind: 'hnsw'; graph: HnswGraph };
}

/**
 * One store's vectors. Record ids map to numeric keys the native index understands; a
 * re-upserted id gets a fresh key so the graph never sees a duplicate.
 */
export class StoreIndex {
  readonly #settings: StoreIndexSettings;
  #nextKey: number;
  readonly #entries: Map<number, StoreEntry>;
  readonly #keyById = new Map<string, number>();
  #flat: FlatVectors | undefined;
  #graph: HnswGraph | undefined;

  constructor(settings: StoreIndexSettings, state?: StoreIndexState) {
    this.#settings = settings;
    this.#nextKey = state?.nextKey ?? 0;
    this.#entries = state?.entries ?? new Map();
    for (const [key, entry] of this.#entries) this.#keyById.set(entry.id, key);
    if (state?.backend.kind === 'hnsw') this.#graph = state.backend.graph;
    else
      this.#flat = state?.backend.kind === 'flat' ? state.backend.flat : new FlatVectors(settings.dimensions);
  }

  get size(): number {
    return this.#entries.size;
  }

  state(): StoreIndexState {
    return {
      nextKey: this.#nextKey,
      entries: this.#entries,
      backend:
        this.#graph !== undefined
          ? { kind: 'hnsw', graph: this.#graph }
          : { kind: 'flat', flat: this.#flat! },
    };
  }

  upsert(records: readonly VectorRecord[]): void {
    const latest = new Map<string, VectorRecord>();
    for (const record of records) {
      assertDimensions(record.values, this.#settings.dimensions, record.id);
      latest.set(record.id, record);
    }
    this.delete([...latest.keys()]);
    const keys: number[] = [];
    const values: Float32Array[] = [];
    for (const record of latest.values()) {
      const key = this.#nextKey++;
      keys.push(key);
      values.push(record.values);
      this.#entries.set(key, { id: record.id, metadata: record.metadata });
      this.#keyById.set(record.id, key);
    }
    if (this.#graph !== undefined) {
      this.#graph.add(keys, concatRows(values, this.#settings.dimensions));
      return;
    }
    const flat = this.#flat!;
    for (const [i, key] of keys.entries()) flat.add(key, values[i]!);
    if (flat.size > this.#settings.exactScanThreshold) this.#promote(flat);
  }

  delete(ids: readonly string[]): void {
    const keys: number[] = [];
    for (const id of ids) {
      const key = this.#keyById.get(id);
      if (key === undefined) continue;
      keys.push(key);
      this.#keyById.delete(id);
      this.#entries.delete(key);
    }
    if (this.#graph !== undefined) this.#graph.remove(keys);
    else for (const key of keys) this.#flat!.remove(key);
  }

  query(vector: Float32Array, { topK, filter }: VectorQueryOptions): VectorMatch[] {
    assertDimensions(vector, this.#settings.dimensions, 'query');
    if (topK <= 0 || this.size === 0) return [];
    const accept = filter === undefined ? undefined : (key: number) => this.#accepts(key, filter);
    const hits =
      this.#graph !== undefined
        ? this.#searchGraph(this.#graph, vector, topK, accept)
        : this.#flat!.search(vector, topK, accept);
    return hits.map(({ key, score }) => {
      const entry = this.#entries.get(key)!;
      return { id: entry.id, score, metadata: entry.metadata };
    });
  }

  #accepts(key: number, filter: VectorFilter): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && matchesFilter(entry.metadata, filter);
  }

  /**
   * usearch's JS binding has no predicate search, so filtered queries over-fetch and widen
   * until enough survive; a filter matching few vectors degrades towards a full traversal.
   */
  #searchGraph(
    graph: HnswGraph,
    vector: Float32Array,
    topK: number,
    accept: ((key: number) => boolean) | undefined,
  ): ScoredKey[] {
    const live = (key: number) => this.#entries.has(key) && (accept === undefined || accept(key));
    let k = Math.min(this.size, accept === undefined ? topK : topK * this.#settings.filterOverfetch);
    for (;;) {
      const hits = graph.search(vector, k).filter((hit) => live(hit.key));
      if (hits.length >= topK || k >= this.size) return hits.slice(0, topK);
      k = Math.min(this.size, k * 4);
    }
  }

  #promote(flat: FlatVectors): void {
    const graph = new HnswGraph(this.#settings);
    graph.add(flat.keys(), flat.rows());
    this.#graph = graph;
    this.#flat = undefined;
  }
}

function concatRows(values: readonly Float32Array[], dimensions: number): Float32Array {
  const rows = new Float32Array(values.length * dimensions);
  for (const [i, v] of values.entries()) rows.set(v, i * dimensions);
  return rows;
}
