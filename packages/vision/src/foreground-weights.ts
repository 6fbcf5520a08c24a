import type { WorkingImage } from './working-image.ts';

export interface ForegroundOptions {
  /** Use border colours as the background model (product shots, garments on a bed). */
  borderContrast: boolean;
  /** Width of the centre prior as a fraction of the image side. */
  centreSigma: number;
  /** Weight kept by pixels that look like the background, so nothing is ever fully dropped. */
  backgroundFloor: number;
}

export interface Foreground {
  /** per-pixel weight in [0, 1] */
  weights: Float32Array;
  /** the weighted extent of the object, in pixels: the frame for layout blocks */
  box: { x0: number; y0: number; x1: number; y1: number };
}

const PROTOTYPES = 4;
const MIN_PROTOTYPE_SHARE = 0.12;
const CONTRAST_SCALE = 14;

/**
 * A few k-means prototypes of the border colours, ignoring rare ones (the object touching
 * the edge), as flat [L/2, a, b] triples.
 */
function borderPrototypes(image: WorkingImage): Float64Array {
  const { width, height, lightness, greenRed, blueYellow } = image;
  const band = Math.max(2, Math.round(Math.min(width, height) * 0.06));
  const inner = Math.max(0, width - 2 * band) * Math.max(0, height - 2 * band);
  const samples = new Int32Array(width * height - inner);
  let count = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x >= band && x < width - band && y >= band && y < height - band) continue;
      samples[count++] = y * width + x;
    }
  }
  const centres = new Float64Array(PROTOTYPES * 3);
  for (let k = 0; k < PROTOTYPES; k++) {
    const i = samples[Math.floor(((k + 0.5) * count) / PROTOTYPES)]!;
    centres[k * 3] = lightness[i]! * 0.5;
    centres[k * 3 + 1] = greenRed[i]!;
    centres[k * 3 + 2] = blueYellow[i]!;
  }
  const counts = new Float64Array(PROTOTYPES);
  const sums = new Float64Array(PROTOTYPES * 3);
  const assigned = new Int8Array(count).fill(-1);
  for (let iteration = 0; iteration < 6; iteration++) {
    sums.fill(0);
    counts.fill(0);
    let moved = false;
    for (let s = 0; s < count; s++) {
      const i = samples[s]!;
      const p0 = lightness[i]! * 0.5;
      const p1 = greenRed[i]!;
      const p2 = blueYellow[i]!;
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let k = 0; k < PROTOTYPES; k++) {
        const d =
          (p0 - centres[k * 3]!) ** 2 + (p1 - centres[k * 3 + 1]!) ** 2 + (p2 - centres[k * 3 + 2]!) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = k;
        }
      }
      if (assigned[s] !== best) {
        assigned[s] = best;
        moved = true;
      }
      sums[best * 3]! += p0;
      sums[best * 3 + 1]! += p1;
      sums[best * 3 + 2]! += p2;
      counts[best]! += 1;
    }
    // The same assignment as last time gives the same centres: every later round would repeat it.
    if (!moved) break;
    for (let k = 0; k < PROTOTYPES; k++) {
      const n = counts[k]!;
      if (n > 0) for (let c = 0; c < 3; c++) centres[k * 3 + c] = sums[k * 3 + c]! / n;
    }
  }
  const kept: number[] = [];
  for (let k = 0; k < PROTOTYPES; k++) {
    if (counts[k]! / count >= MIN_PROTOTYPE_SHARE)
      kept.push(centres[k * 3]!, centres[k * 3 + 1]!, centres[k * 3 + 2]!);
  }
  return Float64Array.from(kept);
}

/** The centre prior of every pixel, per frame size and width: the same for every image of that size. */
const centrePriors = new Map<string, Float64Array>();

function centrePrior(width: number, height: number, centreSigma: number): Float64Array {
  const key = `${width}x${height}:${centreSigma}`;
  let prior = centrePriors.get(key);
  if (prior === undefined) {
    prior = new Float64Array(width * height);
    const inverseSigma2 = 1 / (2 * centreSigma * centreSigma);
    const long = Math.max(width, height);
    for (let y = 0; y < height; y++) {
      const dy = (y + 0.5 - height / 2) / long;
      for (let x = 0; x < width; x++) {
        const dx = (x + 0.5 - width / 2) / long;
        prior[y * width + x] = Math.exp(-(dx * dx + dy * dy) * inverseSigma2);
      }
    }
    // Working copies come in a handful of sizes; an odd upload must not grow this forever.
    if (centrePriors.size > 64) centrePriors.clear();
    centrePriors.set(key, prior);
  }
  return prior;
}

export function estimateForeground(image: WorkingImage, options: ForegroundOptions): Foreground {
  const { width, height, lightness, greenRed, blueYellow } = image;
  const n = width * height;
  const weights = new Float32Array(n);
  const prototypes = options.borderContrast ? borderPrototypes(image) : new Float64Array(0);
  const prior = centrePrior(width, height, options.centreSigma);
  const floor = options.backgroundFloor;
  for (let i = 0; i < n; i++) {
    let contrast = 1;
    if (prototypes.length > 0) {
      let nearest = Number.POSITIVE_INFINITY;
      const p0 = lightness[i]! * 0.5;
      const p1 = greenRed[i]!;
      const p2 = blueYellow[i]!;
      for (let c = 0; c < prototypes.length; c += 3) {
        const d =
          (p0 - prototypes[c]!) ** 2 + (p1 - prototypes[c + 1]!) ** 2 + (p2 - prototypes[c + 2]!) ** 2;
        if (d < nearest) nearest = d;
      }
      contrast = 1 - Math.exp(-nearest / (CONTRAST_SCALE * CONTRAST_SCALE));
    }
    weights[i] = prior[i]! * (floor + (1 - floor) * contrast);
  }
  return { weights, box: weightedBox(weights, width, height) };
}

/** Mean ± 2 standard deviations of the weighted pixel positions, clipped to the image. */
function weightedBox(weights: Float32Array, width: number, height: number): Foreground['box'] {
  let total = 0;
  let sx = 0;
  let sy = 0;
  let sxx = 0;
  let syy = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const w = weights[y * width + x]!;
      total += w;
      sx += w * x;
      sy += w * y;
      sxx += w * x * x;
      syy += w * y * y;
    }
  }
  if (total <= 0) return { x0: 0, y0: 0, x1: width, y1: height };
  const mx = sx / total;
  const my = sy / total;
  const rx = 2 * Math.sqrt(Math.max(0, sxx / total - mx * mx)) + 1;
  const ry = 2 * Math.sqrt(Math.max(0, syy / total - my * my)) + 1;
  return {
    x0: Math.max(0, mx - rx),
    y0: Math.max(0, my - ry),
    x1: Math.min(width, mx + rx + 1),
    y1: Math.min(height, my + ry + 1),
  };
}
