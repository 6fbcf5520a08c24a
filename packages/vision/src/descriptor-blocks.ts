import type { Foreground } from './foreground-weights.ts';
import type { WorkingImage } from './working-image.ts';

/**
 * The position of `value` between bin centres of `bins` equal bins over [lo, hi]:
 * the lower bin and the share that goes to the next one (linear soft binning, so a
 * small shift in lighting or hue moves mass gradually instead of jumping bins).
 */
function softBinPosition(value: number, lo: number, hi: number, bins: number): number {
  const t = ((value - lo) / (hi - lo)) * bins - 0.5;
  return Math.min(Math.max(t, 0), bins - 1);
}

export interface LabBins {
  lightness: number;
  chroma: number;
  /** half-range of a and b; values beyond are clipped */
  chromaRange: number;
}

export function labHistogramLength(bins: LabBins): number {
  return bins.lightness * bins.chroma * bins.chroma;
}

/** Foreground-weighted soft joint histogram over (L, a, b), optionally restricted to a cell of a grid over the object box. */
export function addLabHistogram(
  out: Float32Array,
  offset: number,
  image: WorkingImage,
  foreground: Foreground,
  bins: LabBins,
  grid = 1,
): void {
  const { width, height, lightness, greenRed, blueYellow } = image;
  const { weights, box } = foreground;
  const cellLength = labHistogramLength(bins);
  const nc = bins.chroma;
  for (let y = 0; y < height; y++) {
    const gy = grid === 1 ? 0 : cellOf(y + 0.5, box.y0, box.y1, grid);
    if (gy < 0) continue;
    for (let x = 0; x < width; x++) {
      const gx = grid === 1 ? 0 : cellOf(x + 0.5, box.x0, box.x1, grid);
      if (gx < 0) continue;
      const i = y * width + x;
      const w = weights[i]!;
      if (w <= 0) continue;
      const base = offset + (gy * grid + gx) * cellLength;
      // position t splits between bin floor(t) and the next one (at the last bin the share is 0)
      const lt = softBinPosition(lightness[i]!, 0, 100, bins.lightness);
      const at = softBinPosition(greenRed[i]!, -bins.chromaRange, bins.chromaRange, nc);
      const bt = softBinPosition(blueYellow[i]!, -bins.chromaRange, bins.chromaRange, nc);
      const l0 = Math.floor(lt);
      const a0 = Math.floor(at);
      const b0 = Math.floor(bt);
      const lf = lt - l0;
      const af = at - a0;
      const bf = bt - b0;
      // The eight corners unrolled; a zero share is skipped (at the last bin its neighbour is out of range).
      const index = base + (l0 * nc + a0) * nc + b0;
      const lowL = w * (1 - lf);
      const highL = w * lf;
      const lowA = 1 - af;
      const lowB = 1 - bf;
      if (lowL !== 0) addChroma(out, index, lowL, lowA, af, lowB, bf, nc);
      if (highL !== 0) addChroma(out, index + nc * nc, highL, lowA, af, lowB, bf, nc);
    }
  }
}

/** One lightness slice of the soft histogram's corners: `wl` already holds the pixel's weight. */
function addChroma(
  out: Float32Array,
  index: number,
  wl: number,
  lowA: number,
  highA: number,
  lowB: number,
  highB: number,
  nc: number,
): void {
  if (lowA !== 0) {
    if (lowB !== 0) out[index]! += wl * lowA * lowB;
    if (highB !== 0) out[index + 1]! += wl * lowA * highB;
  }
  if (highA !== 0) {
    if (lowB !== 0) out[index + nc]! += wl * highA * lowB;
    if (highB !== 0) out[index + nc + 1]! += wl * highA * highB;
  }
}

function cellOf(v: number, lo: number, hi: number, cells: number): number {
  if (v < lo || v >= hi) return -1;
  return Math.min(cells - 1, Math.floor(((v - lo) / (hi - lo)) * cells));
}

/**
 * HOG-like: gradient-magnitude-weighted soft orientation histograms in a grid of cells
 * over the object box (grid 1 = one global orientation histogram).
 */
export function addOrientationHistogram(
  out: Float32Array,
  offset: number,
  image: WorkingImage,
  foreground: Foreground,
  orientations: number,
  grid: number,
): void {
  const { width, height, gradientMagnitude, gradientAngle } = image;
  const { weights, box } = foreground;
  for (let y = 1; y < height - 1; y++) {
    const gy = cellOf(y + 0.5, box.y0, box.y1, grid);
    if (gy < 0) continue;
    for (let x = 1; x < width - 1; x++) {
      const gx = cellOf(x + 0.5, box.x0, box.x1, grid);
      if (gx < 0) continue;
      const i = y * width + x;
      const m = gradientMagnitude[i]! * weights[i]!;
      if (m <= 0) continue;
      const t = (gradientAngle[i]! / Math.PI) * orientations - 0.5;
      const t0 = Math.floor(t);
      const f = t - t0;
      const base = offset + (gy * grid + gx) * orientations;
      out[base + ((t0 + orientations) % orientations)]! += m * (1 - f);
      out[base + ((t0 + 1) % orientations)]! += m * f;
    }
  }
}

/** Rotation-invariant uniform LBP codes (riu2): 0..8 = number of brighter neighbours on a uniform ring, 9 = non-uniform. */
const RIU2 = new Uint8Array(256);
for (let code = 0; code < 256; code++) {
  let transitions = 0;
  let ones = 0;
  for (let bit = 0; bit < 8; bit++) {
    const a = (code >> bit) & 1;
    const b = (code >> ((bit + 1) % 8)) & 1;
    if (a !== b) transitions++;
    ones += a;
  }
  RIU2[code] = transitions <= 2 ? ones : 9;
}
export const LBP_BINS = 10;

const RING_X = [-1, 0, 1, 1, 1, 0, -1, -1];
const RING_Y = [-1, -1, -1, 0, 1, 1, 1, 0];

/**
 * Foreground-weighted histogram of rotation-invariant uniform local binary patterns
 * on the lightness plane, sampled at `step` pixels (a coarser step = a coarser scale).
 * A small threshold keeps flat regions from flickering on sensor noise.
 */
export function addLbpHistogram(
  out: Float32Array,
  offset: number,
  image: WorkingImage,
  foreground: Foreground,
  step: number,
): void {
  const { width, height, lightness } = image;
  const { weights } = foreground;
  const [n0, n1, n2, n3, n4, n5, n6, n7] = RING_X.map((dx, k) => (RING_Y[k]! * width + dx) * step) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  for (let y = step; y < height - step; y++) {
    for (let x = step; x < width - step; x++) {
      const i = y * width + x;
      const w = weights[i]!;
      if (w <= 0) continue;
      const centre = lightness[i]! + 1.5;
      const code =
        (lightness[i + n0]! >= centre ? 1 : 0) |
        (lightness[i + n1]! >= centre ? 2 : 0) |
        (lightness[i + n2]! >= centre ? 4 : 0) |
        (lightness[i + n3]! >= centre ? 8 : 0) |
        (lightness[i + n4]! >= centre ? 16 : 0) |
        (lightness[i + n5]! >= centre ? 32 : 0) |
        (lightness[i + n6]! >= centre ? 64 : 0) |
        (lightness[i + n7]! >= centre ? 128 : 0);
      out[offset + RIU2[code]!]! += w;
    }
  }
}

/**
 * Coarse silhouette: foreground weight summed in a grid over the whole frame, or over
 * the object box (then it is the object's shape whatever its size and place).
 */
export function addForegroundLayout(
  out: Float32Array,
  offset: number,
  image: WorkingImage,
  foreground: Foreground,
  grid: number,
  frame: 'image' | 'object' = 'image',
): void {
  const { width, height } = image;
  const { weights, box } = foreground;
  const whole = { x0: 0, y0: 0, x1: width, y1: height };
  const { x0, y0, x1, y1 } = frame === 'object' ? box : whole;
  for (let y = 0; y < height; y++) {
    const gy = cellOf(y + 0.5, y0, y1, grid);
    if (gy < 0) continue;
    for (let x = 0; x < width; x++) {
      const gx = cellOf(x + 0.5, x0, x1, grid);
      if (gx < 0) continue;
      out[offset + gy * grid + gx]! += weights[y * width + x]!;
    }
  }
}
