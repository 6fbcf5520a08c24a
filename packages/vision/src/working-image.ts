import type { DecodedImage } from './embedder.ts';

/**
 * The small, perceptual copy of an image every descriptor block reads: CIELAB planes
 * (L 0..100, a/b roughly -100..100) at a fixed working size, plus the lightness
 * gradient. One pass builds it; the blocks only read it.
 */
export interface WorkingImage {
  width: number;
  height: number;
  lightness: Float32Array;
  greenRed: Float32Array;
  blueYellow: Float32Array;
  gradientMagnitude: Float32Array;
  /** unsigned orientation in [0, π) */
  gradientAngle: Float32Array;
}

const SRGB_TO_LINEAR = new Float32Array(256);
for (let i = 0; i < 256; i++) {
  const c = i / 255;
  SRGB_TO_LINEAR[i] = c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

function labCompand(t: number): number {
  return t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116;
}

/** Linear light of each 8-bit code per channel: what one variant of an image is averaged in. */
export type ChannelTables = readonly [Float32Array, Float32Array, Float32Array];

export const IDENTITY: ChannelTables = [SRGB_TO_LINEAR, SRGB_TO_LINEAR, SRGB_TO_LINEAR];

const gainTables = new Map<number, Float32Array>();

/**
 * The linear light of each 8-bit code once scaled by `gain` and truncated back to 8 bits,
 * as a relit copy of the image stores it: averaging through these tables equals relighting
 * the full-size image (at saturation 1) and then downsampling it, without the copy.
 */
export function gainTable(gain: number): Float32Array {
  let table = gainTables.get(gain);
  if (table === undefined) {
    table = new Float32Array(256);
    for (let i = 0; i < 256; i++)
      table[i] = SRGB_TO_LINEAR[Math.min(255, Math.max(0, Math.trunc(i * gain)))]!;
    gainTables.set(gain, table);
  }
  return table;
}

/**
 * Area-averages the RGB image (in linear light, so edges between bright and dark
 * regions keep their true mean) down to at most `maxSide` pixels on the long side, once
 * per variant (see `gainTable`), all in one pass over the pixels.
 */
function downsampleLinear(
  image: DecodedImage,
  maxSide: number,
  variants: readonly ChannelTables[],
): { width: number; height: number; rgb: Float32Array[] } {
  const scale = Math.min(1, maxSide / Math.max(image.width, image.height));
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const rgb = variants.map(() => new Float32Array(width * height * 3));
  const counts = new Float32Array(width * height);
  const xMap = new Int32Array(image.width);
  for (let x = 0; x < image.width; x++) xMap[x] = Math.min(width - 1, Math.floor((x * width) / image.width));
  const src = image.data;
  for (let v = 0; v < variants.length; v++) {
    const [red, green, blue] = variants[v]!;
    const out = rgb[v]!;
    for (let y = 0; y < image.height; y++) {
      const row = Math.min(height - 1, Math.floor((y * height) / image.height)) * width;
      let s = y * image.width * 3;
      for (let x = 0; x < image.width; x++, s += 3) {
        const d = (row + xMap[x]!) * 3;
        out[d]! += red[src[s]!]!;
        out[d + 1]! += green[src[s + 1]!]!;
        out[d + 2]! += blue[src[s + 2]!]!;
      }
    }
  }
  for (let y = 0; y < image.height; y++) {
    const row = Math.min(height - 1, Math.floor((y * height) / image.height)) * width;
    for (let x = 0; x < image.width; x++) counts[row + xMap[x]!]! += 1;
  }
  for (const out of rgb) {
    for (let i = 0; i < counts.length; i++) {
      const n = counts[i]! || 1;
      out[i * 3]! /= n;
      out[i * 3 + 1]! /= n;
      out[i * 3 + 2]! /= n;
    }
  }
  return { width, height, rgb };
}

export function toWorkingImage(image: DecodedImage, maxSide: number): WorkingImage {
  return toWorkingImages(image, maxSide, [IDENTITY])[0]!;
}

/** The working copies of several variants of one image (`variants`: their channel tables). */
export function toWorkingImages(
  image: DecodedImage,
  maxSide: number,
  variants: readonly ChannelTables[],
): WorkingImage[] {
  const { width, height, rgb } = downsampleLinear(image, maxSide, variants);
  return rgb.map((linear) => fromLinear(width, height, linear));
}

function fromLinear(width: number, height: number, rgb: Float32Array): WorkingImage {
  const n = width * height;
  const lightness = new Float32Array(n);
  const greenRed = new Float32Array(n);
  const blueYellow = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = rgb[i * 3]!;
    const g = rgb[i * 3 + 1]!;
    const b = rgb[i * 3 + 2]!;
    // sRGB (D65) → XYZ, normalised by the D65 white point
    const fx = labCompand((0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047);
    const fy = labCompand(0.2126 * r + 0.7152 * g + 0.0722 * b);
    const fz = labCompand((0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883);
    lightness[i] = 116 * fy - 16;
    greenRed[i] = 500 * (fx - fy);
    blueYellow[i] = 200 * (fy - fz);
  }
  const gradientMagnitude = new Float32Array(n);
  const gradientAngle = new Float32Array(n);
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      const i = y * width + x;
      const gx =
        lightness[i - width + 1]! +
        2 * lightness[i + 1]! +
        lightness[i + width + 1]! -
        lightness[i - width - 1]! -
        2 * lightness[i - 1]! -
        lightness[i + width - 1]!;
      const gy =
        lightness[i + width - 1]! +
        2 * lightness[i + width]! +
        lightness[i + width + 1]! -
        lightness[i - width - 1]! -
        2 * lightness[i - width]! -
        lightness[i - width + 1]!;
      gradientMagnitude[i] = Math.sqrt(gx * gx + gy * gy) / 8;
      let angle = Math.atan2(gy, gx);
      if (angle < 0) angle += Math.PI;
      gradientAngle[i] = angle >= Math.PI ? 0 : angle;
    }
  }
  return { width, height, lightness, greenRed, blueYellow, gradientMagnitude, gradientAngle };
}
