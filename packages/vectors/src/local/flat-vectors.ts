import { type ScoredKey, TopK } from './top-k.ts';

/**
 * A dense row-major matrix scanned exhaustively. Below a few thousand vectors this beats
 * a graph (no build cost, exact results, filters applied inline); deletes swap the last row
 * in so the scan stays one tight loop over contiguous memory.
 */
export class FlatVectors {
  readonly dimensions: number;
  #matrix: Float32Array;
  readonly #keys: number[] = [];
  readonly #rowByKey = new Map<number, number>();

  constructor(dimensions: number, capacity = 64) {
    this.dimensions = dimensions;
    this.#matrix = new Float32Array(Math.max(1, capacity) * dimensions);
  }

  get size(): number {
    return this.#keys.length;
  }

  /** Row order of `rows()`. */
  keys(): readonly number[] {
    return this.#keys;
  }

  /** The first `size` rows, without copying. */
  rows(): Float32Array {
    return this.#matrix.subarray(0, this.#keys.length * this.dimensions);
  }

  add(key: number, values: Float32Array): void {
    const existing = this.#rowByKey.get(key);
    const row = existing ?? this.#keys.length;
    if (existing === undefined) {
      if ((row + 1) * this.dimensions > this.#matrix.length) this.#grow();
      this.#keys.push(key);
      this.#rowByKey.set(key, row);
    }
    this.#matrix.set(values, row * this.dimensions);
  }

  remove(key: number): boolean {
    const row = this.#rowByKey.get(key);
    if (row === undefined) return false;
    const last = this.#keys.length - 1;
    if (row !== last) {
      const lastKey = this.#keys[last]!;
      const d = this.dimensions;
      this.#matrix.copyWithin(row * d, last * d, (last + 1) * d);
      this.#keys[row] = lastKey;
      this.#rowByKey.set(lastKey, row);
    }
    this.#keys.pop();
    this.#rowByKey.delete(key);
    return true;
  }

  search(query: Float32Array, k: number, accept?: (key: number) => boolean): ScoredKey[] {
    const top = new TopK(k);
    const m = this.#matrix;
    const d = this.dimensions;
    const n = this.#keys.length;
    for (let row = 0; row < n; row++) {
      const key = this.#keys[row]!;
      if (accept !== undefined && !accept(key)) continue;
      // Four accumulators break the add dependency chain; worth ~2x on V8.
      const base = row * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      let j = 0;
      for (; j + 3 < d; j += 4) {
        s0 += m[base + j]! * query[j]!;
        s1 += m[base + j + 1]! * query[j + 1]!;
        s2 += m[base + j + 2]! * query[j + 2]!;
        s3 += m[base + j + 3]! * query[j + 3]!;
      }
      for (; j < d; j++) s0 += m[base + j]! * query[j]!;
      top.offer(key, s0 + s1 + s2 + s3);
    }
    return top.results();
  }

  #grow(): void {
    const next = new Float32Array(this.#matrix.length * 2);
    next.set(this.#matrix);
    this.#matrix = next;
  }
}
