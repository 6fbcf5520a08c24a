/**
 * RANSAC over 2-point similarity transforms (scale, rotation, translation): the largest
 * set of point matches that agree on one placement of the catalog product in the
 * query. Stricter than a homography, so random matches between unrelated images rarely
 * form a large consensus; a deterministic sampler keeps results reproducible.
 */
export interface SimilarityRansacOptions {
  iterations: number;
  /** inlier distance in the target image's pixels */
  threshold: number;
  /** plausible scale range between the two images */
  minScale: number;
  maxScale: number;
}

/** `from` and `to` are flat x,y arrays of matched points (same length). Returns the inlier count. */
export function similarityInliers(
  from: Float32Array,
  to: Float32Array,
  options: SimilarityRansacOptions,
): number {
  const n = from.length / 2;
  if (n < 3) return 0;
  const threshold2 = options.threshold * options.threshold;
  let seed = 0x9e3779b9;
  const random = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  let best = 0;
  for (let iteration = 0; iteration < options.iterations; iteration++) {
    const i = Math.floor(random() * n);
    const j = Math.floor(random() * n);
    if (i === j) continue;
    const px = from[j * 2]! - from[i * 2]!;
    const py = from[j * 2 + 1]! - from[i * 2 + 1]!;
    const qx = to[j * 2]! - to[i * 2]!;
    const qy = to[j * 2 + 1]! - to[i * 2 + 1]!;
    const norm = px * px + py * py;
    if (norm < 16) continue;
    // q = [a -b; b a] p
    const a = (px * qx + py * qy) / norm;
    const b = (px * qy - py * qx) / norm;
    const scale = Math.sqrt(a * a + b * b);
    if (scale < options.minScale || scale > options.maxScale) continue;
    const tx = to[i * 2]! - (a * from[i * 2]! - b * from[i * 2 + 1]!);
    const ty = to[i * 2 + 1]! - (b * from[i * 2]! + a * from[i * 2 + 1]!);
    let count = 0;
    for (let k = 0; k < n; k++) {
      const x = from[k * 2]!;
      const y = from[k * 2 + 1]!;
      const dx = a * x - b * y + tx - to[k * 2]!;
      const dy = b * x + a * y + ty - to[k * 2 + 1]!;
      if (dx * dx + dy * dy <= threshold2) count++;
    }
    if (count > best) best = count;
  }
  return best;
}
