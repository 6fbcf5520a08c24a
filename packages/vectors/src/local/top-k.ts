export interface ScoredKey {
  key: number;
  score: number;
}

/** Keeps the k best scores seen, sorted best first; insertion is cheap because k is small. */
export class TopK {
  readonly #k: number;
  readonly #keys: number[] = [];
  readonly #scores: number[] = [];

  constructor(k: number) {
    this.#k = k;
  }

  /** The score a candidate must beat to get in. */
  get floor(): number {
    return this.#scores.length < this.#k ? Number.NEGATIVE_INFINITY : this.#scores[this.#k - 1]!;
  }

  offer(key: number, score: number): void {
    if (score <= this.floor) return;
    let i = Math.min(this.#scores.length, this.#k - 1);
    while (i > 0 && this.#scores[i - 1]! < score) {
      this.#scores[i] = this.#scores[i - 1]!;
      this.#keys[i] = this.#keys[i - 1]!;
      i--;
    }
    this.#scores[i] = score;
    this.#keys[i] = key;
  }

  results(): ScoredKey[] {
    return this.#keys.map((key, i) => ({ key, score: this.#scores[i]! }));
  }
}
