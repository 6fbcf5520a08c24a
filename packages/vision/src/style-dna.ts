import type { DecodedImage } from './embedder.ts';
import { estimateForeground } from './foreground-weights.ts';
import { toWorkingImage, type WorkingImage } from './working-image.ts';

export type PatternClass = 'solid' | 'striped' | 'checked' | 'dotted' | 'printed';

export interface NamedColour {
  name: string;
  /** the palette colour's sRGB hex, e.g. '#c62828' */
  hex: string;
  /** share of the object's (foreground-weighted) pixels, 0..1 */
  fraction: number;
}

/** The statistics the pattern class is read from, returned so the class can be explained. */
export interface PatternEvidence {
  /** share of object pixels on a visible edge */
  edgeDensity: number;
  /** share of edge energy within ±15° of the strongest orientation */
  dominantOrientationShare: number;
  /** share of edge energy around the strongest orientation at least 60° away from the first */
  secondOrientationShare: number;
  /**
   * Otsu's between-class share of the lightness variance in the object's middle: near 1
   * for two-tone motifs (dots, stripes, checks), lower for multi-tone prints.
   */
  twoToneSeparation: number;
}

export interface StyleDna {
  colours: NamedColour[];
  pattern: PatternClass;
  evidence: PatternEvidence;
}

/** Human colour names a shopper or a merchant would use, with a representative sRGB value. */
const PALETTE: ReadonlyArray<readonly [string, string]> = [
  ['black', '#151515'],
  ['charcoal', '#3c3c3c'],
  ['grey', '#808080'],
  ['light grey', '#c0c0c0'],
  ['white', '#f5f5f5'],
  ['cream', '#f3e9c6'],
  ['beige', '#d4be98'],
  ['brown', '#7b4a2a'],
  ['dark red', '#7f1d1d'],
  ['red', '#d32f2f'],
  ['pink', '#f48fb1'],
  ['orange', '#f57c00'],
  ['gold', '#c9a227'],
  ['yellow', '#fdd835'],
  ['olive', '#7c7c2a'],
  ['light green', '#9ccc65'],
  ['green', '#2e7d32'],
  ['dark green', '#1b4d2e'],
  ['teal', '#00897b'],
  ['light blue', '#81d4fa'],
  ['blue', '#1e5bc6'],
  ['navy', '#1a237e'],
  ['purple', '#6a1b9a'],
  ['lavender', '#b39ddb'],
];

function hexToLab(hex: string): [number, number, number] {
  const image: DecodedImage = {
    width: 1,
    height: 1,
    data: Uint8Array.from([1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16))),
  };
  const w = toWorkingImage(image, 1);
  return [w.lightness[0]!, w.greenRed[0]!, w.blueYellow[0]!];
}

const PALETTE_LAB = PALETTE.map(([, hex]) => hexToLab(hex));
const COLOUR_MIN_FRACTION = 0.05;
const MAX_COLOURS = 5;
const EDGE_STRENGTH = 3;
const ORIENTATION_BINS = 36;

function nearestPaletteIndex(l: number, a: number, b: number): number {
  let best = 0;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (let k = 0; k < PALETTE_LAB.length; k++) {
    const p = PALETTE_LAB[k]!;
    // lightness counts less: shading on a fold should not turn red into dark red
    const d = 0.5 * (l - p[0]) ** 2 + (a - p[1]) ** 2 + (b - p[2]) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = k;
    }
  }
  return best;
}

/** Mass in a circular window of orientation bins around `centre`. */
function windowMass(histogram: Float64Array, centre: number, halfWidth: number): number {
  let sum = 0;
  for (let d = -halfWidth; d <= halfWidth; d++)
    sum += histogram[(centre + d + histogram.length) % histogram.length]!;
  return sum;
}

function orientationPeaks(histogram: Float64Array): { first: number; second: number } {
  const total = histogram.reduce((a, b) => a + b, 0);
  if (total <= 0) return { first: 0, second: 0 };
  const halfWidth = Math.round((15 / 180) * ORIENTATION_BINS);
  const minSeparation = Math.round((60 / 180) * ORIENTATION_BINS);
  let firstBin = 0;
  for (let i = 1; i < ORIENTATION_BINS; i++) {
    if (windowMass(histogram, i, halfWidth) > windowMass(histogram, firstBin, halfWidth)) firstBin = i;
  }
  let second = 0;
  for (let i = 0; i < ORIENTATION_BINS; i++) {
    const apart = Math.min(Math.abs(i - firstBin), ORIENTATION_BINS - Math.abs(i - firstBin));
    if (apart >= minSeparation) second = Math.max(second, windowMass(histogram, i, halfWidth));
  }
  return { first: windowMass(histogram, firstBin, halfWidth) / total, second: second / total };
}

const LIGHTNESS_BINS = 64;

/** Best two-class split of a lightness histogram: between-class variance / total variance. */
function otsuSeparation(histogram: Float64Array): number {
  let total = 0;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < histogram.length; i++) {
    total += histogram[i]!;
    sum += i * histogram[i]!;
    sumSquares += i * i * histogram[i]!;
  }
  if (total <= 0) return 0;
  const mean = sum / total;
  const variance = sumSquares / total - mean * mean;
  if (variance <= 1e-9) return 0;
  let best = 0;
  let w0 = 0;
  let sum0 = 0;
  for (let t = 0; t < histogram.length - 1; t++) {
    w0 += histogram[t]!;
    sum0 += t * histogram[t]!;
    if (w0 <= 0 || w0 >= total) continue;
    const m0 = sum0 / w0;
    const m1 = (sum - sum0) / (total - w0);
    const between = (w0 / total) * (1 - w0 / total) * (m0 - m1) ** 2;
    best = Math.max(best, between);
  }
  return best / variance;
}

function classifyPattern(evidence: PatternEvidence): PatternClass {
  if (evidence.edgeDensity < 0.06) return 'solid';
  if (evidence.dominantOrientationShare >= 0.5 && evidence.secondOrientationShare < 0.25) return 'striped';
  if (evidence.dominantOrientationShare >= 0.3 && evidence.secondOrientationShare >= 0.25) return 'checked';
  return evidence.twoToneSeparation >= 0.8 ? 'dotted' : 'printed';
}

/**
 * The object's dominant named colours and a pattern class, from the same foreground
 * estimate as the descriptor. Pattern statistics use the middle of the object only, so
 * its outline against the background does not read as texture.
 */
export function extractStyleDna(image: DecodedImage): StyleDna {
  return styleDnaOfWorkingImage(toWorkingImage(image, STYLE_DNA_SIDE));
}

/** The working size StyleDNA reads (the descriptor's too, so catalog analysis shares the copy). */
export const STYLE_DNA_SIDE = 128;

export function styleDnaOfWorkingImage(working: WorkingImage): StyleDna {
  const { weights, box } = estimateForeground(working, {
    borderContrast: true,
    centreSigma: 0.35,
    backgroundFloor: 0.05,
  });
  const { width, height, lightness, greenRed, blueYellow, gradientMagnitude, gradientAngle } = working;
  const colourMass = new Float64Array(PALETTE.length);
  const orientations = new Float64Array(ORIENTATION_BINS);
  const interiorLightness = new Float64Array(LIGHTNESS_BINS);
  const inset = { x: (box.x1 - box.x0) * 0.2, y: (box.y1 - box.y0) * 0.2 };
  let total = 0;
  let interiorTotal = 0;
  let edgeMass = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const w = weights[i]!;
      colourMass[nearestPaletteIndex(lightness[i]!, greenRed[i]!, blueYellow[i]!)]! += w;
      total += w;
      const interior =
        x > 0 &&
        y > 0 &&
        x < width - 1 &&
        y < height - 1 &&
        x >= box.x0 + inset.x &&
        x < box.x1 - inset.x &&
        y >= box.y0 + inset.y &&
        y < box.y1 - inset.y;
      if (!interior) continue;
      interiorTotal += w;
      interiorLightness[
        Math.min(LIGHTNESS_BINS - 1, Math.max(0, Math.floor((lightness[i]! / 100) * LIGHTNESS_BINS)))
      ]! += w;
      const m = gradientMagnitude[i]!;
      if (m < EDGE_STRENGTH) continue;
      edgeMass += w;
      const bin = Math.min(
        ORIENTATION_BINS - 1,
        Math.floor((gradientAngle[i]! / Math.PI) * ORIENTATION_BINS),
      );
      orientations[bin]! += w * m;
    }
  }
  const colours = PALETTE.map(([name, hex], k) => ({
    name,
    hex,
    fraction: total > 0 ? colourMass[k]! / total : 0,
  }))
    .filter((c) => c.fraction >= COLOUR_MIN_FRACTION)
    .sort((a, b) => b.fraction - a.fraction)
    .slice(0, MAX_COLOURS)
    .map((c) => ({ ...c, fraction: Math.round(c.fraction * 1000) / 1000 }));
  const peaks = orientationPeaks(orientations);
  const evidence: PatternEvidence = {
    edgeDensity: interiorTotal > 0 ? edgeMass / interiorTotal : 0,
    dominantOrientationShare: peaks.first,
    secondOrientationShare: peaks.second,
    twoToneSeparation: otsuSeparation(interiorLightness),
  };
  return { colours, pattern: classifyPattern(evidence), evidence };
}
