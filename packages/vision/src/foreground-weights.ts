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

/** A few k-means prototypes of the border colours, ignoring rare ones (the object touching the edge). */
function borderPrototypes(image: WorkingImage): number[][] {
  const { width, height, lightness, greenRed, blueYellow } = image;
  const band = Math.max(2, Math.round(Math.min(width, height) * 0.06));
  const samples: number[] = [];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (x >= band && x < width - band && y >= band && y < height - band) continue;
      samples.push(y * width + x);
    }
  }
  const centres: number[][] = [];
  for (let k = 0; k < PROTOTYPES; k++) {
    const i = samples[Math.floor(((k + 0.5) * samples.length) / PROTOTYPES)]!;
    centres.push([lightness[i]! * 0.5, greenRed[i]!, blueYellow[i]!]);
  }
  const counts = new Array<number>(PROTOTYPES).fill(0);
  for (let iteration = 0; iteration < 6; iteration++) {
    const sums = centres.map(() => [0, 0, 0]);
    counts.fill(0);
    for (const i of samples) {
      const p0 = lightness[i]! * 0.5;
      const p1 = greenRed[i]!;
      const p2 = blueYellow[i]!;
      let best = 0;
      let bestDistance = Number.POSITIVE_INFINITY;
      for (let k = 0; k < PROTOTYPES; k++) {
        const c = centres[k]!;
        const d = (p0 - c[0]!) ** 2 + (p1 - c[1]!) ** 2 + (p2 - c[2]!) ** 2;
        if (d < bestDistance) {
          bestDistance = d;
          best = k;
        }
      }
      const s = sums[best]!;
      s[0]! += p0;
      s[1]! += p1;
      s[2]! += p2;
      counts[best]! += 1;
    }
    for (let k = 0; k < PROTOTYPES; k++) {
      const n = counts[k]!;
      if (n > 0) centres[k] = sums[k]!.map((v) => v / n);
    }
  }
  return centres.filter((_, k) => counts[k]! / samples.length >= MIN_PROTOTYPE_SHARE);
}

export function estimateForeground(image: WorkingImage, options: ForegroundOptions): Foreground {
  const { width, height, lightness, greenRed, blueYellow } = image;
  const n = width * height;
  const weights = new Float32Array(n);
  const prototypes = options.borderContrast ? borderPrototypes(image) : [];
  const inverseSigma2 = 1 / (2 * options.centreSigma * options.centreSigma);
  const long = Math.max(width, height);
  for (let y = 0; y < height; y++) {
    const dy = (y + 0.5 - height / 2) / long;
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const dx = (x + 0.5 - width / 2) / long;
      const centre = Math.exp(-(dx * dx + dy * dy) * inverseSigma2);
      let contrast = 1;
      if (prototypes.length > 0) {
        let nearest = Number.POSITIVE_INFINITY;
        const p0 = lightness[i]! * 0.5;
        for (const c of prototypes) {
          const d = (p0 - c[0]!) ** 2 + (greenRed[i]! - c[1]!) ** 2 + (blueYellow[i]! - c[2]!) ** 2;
          if (d < nearest) nearest = d;
        }
        contrast = 1 - Math.exp(-nearest / (CONTRAST_SCALE * CONTRAST_SCALE));
      }
      weights[i] = centre * (options.backgroundFloor + (1 - options.backgroundFloor) * contrast);
    }
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
