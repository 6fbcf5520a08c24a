/**
 * Synthetic embeddings shaped like real ones: a mixture of gaussians on the unit sphere.
 * Uniform noise has no neighbourhood structure and makes every ANN index look worse than
 * it does on descriptors of real products.
 */
export interface ClusteredSpaceOptions {
  dimensions: number;
  clusters: number;
  /** Noise norm relative to the unit cluster centre, drawn per cluster from this range. */
  spread?: [number, number];
  seed?: number;
}

export interface ClusteredSpace {
  /** Fresh points from the same mixture: call once for the data, again for queries. */
  sample(count: number): Float32Array[];
}

export function clusteredSpace(options: ClusteredSpaceOptions): ClusteredSpace {
  const { dimensions, clusters, spread = [0.5, 1], seed = 1 } = options;
  const random = mulberry32(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const centres = Array.from({ length: clusters }, () => ({
    centre: normalise(Float32Array.from({ length: dimensions }, gaussian)),
    sigma: (spread[0] + random() * (spread[1] - spread[0])) / Math.sqrt(dimensions),
  }));
  return {
    sample: (count) =>
      Array.from({ length: count }, () => {
        const { centre, sigma } = centres[Math.floor(random() * clusters)]!;
        return normalise(centre.map((c) => c + gaussian() * sigma));
      }),
  };
}

/** `count` points of a fresh space; for tests that need data but no queries from it. */
export function clusteredVectors(options: ClusteredSpaceOptions & { count: number }): Float32Array[] {
  return clusteredSpace(options).sample(options.count);
}

export function normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (const x of v) sum += x * x;
  const norm = Math.sqrt(sum) || 1;
  return v.map((x) => x / norm);
}

/** Small, fast, seedable: runs must be comparable across machines. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
