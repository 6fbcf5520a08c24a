import sharp from 'sharp';
import { type DemoProduct, generateProduct } from './generate-catalog.ts';
import { COLOUR_HEX, COLOURS, mixHex } from './palette.ts';
import { drawProduct } from './product-drawing.ts';
import { assertImageSide } from './render-product-image.ts';
import { createRandom, hashString, mixSeed, type Random } from './seeded-random.ts';
import { n } from './svg-geometry.ts';

export const DIFFICULTIES = ['easy', 'normal', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export interface ShopperPhotoOptions {
  /** each seed gives a different photo of the same product; the same seed the same bytes */
  seed: number;
  difficulty?: Difficulty;
  /** both or neither; by default a phone-like size between 640 and 1024 px is drawn from the seed */
  width?: number;
  height?: number;
}

interface DistortionProfile {
  /** degrees either way */
  rotation: number;
  /** degrees of skewX either way, with a matching vertical squash: a cheap stand-in for perspective */
  skew: number;
  /** share of the frame's limiting side the object's box spans */
  fill: readonly [number, number];
  /** share of the object's box that may fall outside the frame on one side */
  cut: number;
  /** share of the free space around the object its centre may wander off the frame's centre: shoppers aim at what they photograph */
  drift: number;
  clutter: number;
  fragments: number;
  /** per-channel gain spread (white balance) and exposure spread */
  cast: number;
  exposure: number;
  /** Gaussian blur sigma in pixels; below 0.3 none */
  blur: readonly [number, number];
  /** noise amplitude in 8-bit levels */
  noise: number;
  quality: readonly [number, number];
  /** darkening at the corners, 0..1 */
  vignette: number;
}

const PROFILES: Readonly<Record<Difficulty, DistortionProfile>> = {
  easy: {
    rotation: 6,
    skew: 3,
    fill: [0.65, 0.85],
    cut: 0,
    drift: 0.15,
    clutter: 4,
    fragments: 1,
    cast: 0.05,
    exposure: 0.08,
    blur: [0, 0.6],
    noise: 3,
    quality: [70, 80],
    vignette: 0.15,
  },
  normal: {
    rotation: 12,
    skew: 6,
    fill: [0.55, 0.85],
    cut: 0.06,
    drift: 0.35,
    clutter: 10,
    fragments: 2,
    cast: 0.1,
    exposure: 0.18,
    blur: [0.3, 1.3],
    noise: 6,
    quality: [55, 75],
    vignette: 0.3,
  },
  hard: {
    rotation: 20,
    skew: 10,
    fill: [0.45, 0.9],
    cut: 0.15,
    drift: 0.7,
    clutter: 18,
    fragments: 3,
    cast: 0.18,
    exposure: 0.28,
    blur: [0.8, 2.2],
    noise: 10,
    quality: [40, 55],
    vignette: 0.45,
  },
};

const PHONE_SIZES: ReadonlyArray<readonly [number, number]> = [
  [768, 1024],
  [1024, 768],
  [900, 900],
  [720, 960],
  [960, 720],
  [640, 854],
];

/** A muted palette colour: rooms are less saturated than products. */
function roomColour(random: Random): string {
  return mixHex(
    COLOUR_HEX[random.pick(COLOURS)],
    random.pick(['#808080', '#d8d0c4', '#3a3a3a']),
    random.range(0.3, 0.7),
  );
}

function clutterShape(random: Random, width: number, height: number): string {
  const x = random.range(0, width);
  const y = random.range(0, height);
  const size = random.range(0.05, 0.3) * Math.max(width, height);
  const fill = random.chance(0.6) ? roomColour(random) : COLOUR_HEX[random.pick(COLOURS)];
  const opacity = random.range(0.5, 1).toFixed(2);
  const turn = `rotate(${random.int(-90, 90)} ${n(x)} ${n(y)})`;
  switch (random.int(0, 4)) {
    case 0:
      return `<rect x="${n(x - size / 2)}" y="${n(y - size / 3)}" width="${n(size)}" height="${n(size * random.range(0.3, 0.9))}" rx="${n(random.range(0, size / 8))}" fill="${fill}" fill-opacity="${opacity}" transform="${turn}"/>`;
    case 1:
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${n(size / 2)}" fill="${fill}" fill-opacity="${opacity}"/>`;
    case 2:
      return `<ellipse cx="${n(x)}" cy="${n(y)}" rx="${n(size / 2)}" ry="${n(size / 5)}" fill="${fill}" fill-opacity="${opacity}" transform="${turn}"/>`;
    case 3: {
      const points = Array.from(
        { length: 3 },
        () => `${n(x + random.range(-size, size) / 2)},${n(y + random.range(-size, size) / 2)}`,
      );
      return `<polygon points="${points.join(' ')}" fill="${fill}" fill-opacity="${opacity}"/>`;
    }
    default:
      return `<path d="M${n(x)} ${n(y)}Q${n(x + random.range(-size, size))} ${n(y + random.range(-size, size))} ${n(x + random.range(-size, size) * 1.5)} ${n(y + random.range(-size, size) * 1.5)}" fill="none" stroke="${fill}" stroke-width="${n(random.range(4, 18))}" stroke-linecap="round"/>`;
  }
}

/** The box of `bounds` after rotating by `angle` degrees and skewing by `skew` degrees about its centre. */
function turnedExtent(
  width: number,
  height: number,
  angle: number,
  skew: number,
  squash: number,
): [number, number] {
  const a = (angle * Math.PI) / 180;
  const k = Math.tan((skew * Math.PI) / 180);
  let maxX = 0;
  let maxY = 0;
  for (const [x, y] of [
    [width / 2, (height / 2) * squash],
    [width / 2, (-height / 2) * squash],
  ] as const) {
    const sx = x + k * y;
    maxX = Math.max(
      maxX,
      Math.abs(sx * Math.cos(a) - y * Math.sin(a)),
      Math.abs(-sx * Math.cos(a) - y * Math.sin(a)),
    );
    maxY = Math.max(
      maxY,
      Math.abs(sx * Math.sin(a) + y * Math.cos(a)),
      Math.abs(-sx * Math.sin(a) + y * Math.cos(a)),
    );
  }
  return [2 * maxX, 2 * maxY];
}

function sceneSvg(
  product: DemoProduct,
  random: Random,
  profile: DistortionProfile,
  width: number,
  height: number,
): string {
  const parts: string[] = [];
  const defs: string[] = [];
  // a wall above a table or floor, split at a slightly tilted horizon
  const horizon = random.range(0.15, 0.7) * height;
  const tilt = random.range(-0.15, 0.15) * width;
  parts.push(
    `<rect width="${width}" height="${height}" fill="${roomColour(random)}"/>`,
    `<path d="M0 ${n(horizon - tilt / 2)}L${width} ${n(horizon + tilt / 2)}V${height}H0Z" fill="${roomColour(random)}"/>`,
  );
  for (let k = 0; k < profile.clutter; k++) parts.push(clutterShape(random, width, height));

  const mainDrawing = drawProduct(product, 'main');
  const objectWidth = mainDrawing.bounds.x1 - mainDrawing.bounds.x0;
  const objectHeight = mainDrawing.bounds.y1 - mainDrawing.bounds.y0;
  const fragmentSeed = random.int(0, 0x7fffffff);
  for (let k = 0; k < profile.fragments; k++) {
    const other = drawProduct(generateProduct(fragmentSeed, k), `frag${k}`);
    defs.push(other.defs);
    const edge = random.int(0, 3);
    const along = random.range(0.1, 0.9);
    const fx = edge === 0 ? 0 : edge === 1 ? width : along * width;
    const fy = edge === 2 ? 0 : edge === 3 ? height : along * height;
    const scale = (random.range(0.35, 0.6) * Math.min(width, height)) / Math.max(objectWidth, objectHeight);
    const centre = [(other.bounds.x0 + other.bounds.x1) / 2, (other.bounds.y0 + other.bounds.y1) / 2];
    parts.push(
      `<g transform="translate(${n(fx)} ${n(fy)}) rotate(${random.int(-60, 60)}) scale(${scale.toFixed(4)}) translate(${n(-centre[0]!)} ${n(-centre[1]!)})">${other.content}</g>`,
    );
  }

  const angle = random.range(-profile.rotation, profile.rotation);
  const skew = random.range(-profile.skew, profile.skew);
  const squash = 1 - Math.abs(skew) / 100;
  const [turnedWidth, turnedHeight] = turnedExtent(objectWidth, objectHeight, angle, skew, squash);
  const scale =
    random.range(profile.fill[0], profile.fill[1]) * Math.min(width / turnedWidth, height / turnedHeight);
  const spanX = turnedWidth * scale;
  const spanY = turnedHeight * scale;
  const shiftX = Math.max(0, (width - spanX) / 2) * profile.drift + profile.cut * spanX;
  const shiftY = Math.max(0, (height - spanY) / 2) * profile.drift + profile.cut * spanY;
  const ox = width / 2 + random.range(-shiftX, shiftX);
  const oy = height / 2 + random.range(-shiftY, shiftY);
  const cx = (mainDrawing.bounds.x0 + mainDrawing.bounds.x1) / 2;
  const cy = (mainDrawing.bounds.y0 + mainDrawing.bounds.y1) / 2;
  parts.push(
    `<g transform="translate(${n(ox)} ${n(oy)}) scale(${scale.toFixed(4)}) rotate(${angle.toFixed(2)}) skewX(${skew.toFixed(2)}) scale(1 ${squash.toFixed(3)}) translate(${n(-cx)} ${n(-cy)})">${mainDrawing.content}</g>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"><defs>${mainDrawing.defs}${defs.join('')}</defs>${parts.join('')}</svg>`;
}

/**
 * Light falloff from a lamp, vignetting, colour cast, exposure, saturation and sensor
 * noise in one pass over the pixels (smooth falloffs in SVG would need full-frame
 * gradients, which cost librsvg more than the whole scene).
 */
function developInPlace(
  pixels: Buffer,
  width: number,
  height: number,
  random: Random,
  profile: DistortionProfile,
): void {
  const exposure = 1 + random.range(-profile.exposure, profile.exposure);
  const gains = [0, 1, 2].map(() => exposure * (1 + random.range(-profile.cast, profile.cast)));
  const saturation = random.range(0.75, 1.15);
  const lampX = random.range(0.1, 0.9) * width;
  const lampY = random.range(0.05, 0.6) * height;
  const lampReach = random.range(0.5, 1) * Math.max(width, height);
  const lampGain = random.range(0.05, 0.2);
  const halfDiagonal = Math.hypot(width, height) / 2;
  const amplitude = profile.noise;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const lamp = Math.max(0, 1 - ((x - lampX) ** 2 + (y - lampY) ** 2) / lampReach ** 2);
      const edge = ((x - width / 2) ** 2 + (y - height / 2) ** 2) / halfDiagonal ** 2;
      const light = 1 + lampGain * lamp * lamp - profile.vignette * edge;
      const grain = (random.next() + random.next() - 1) * amplitude;
      const r = pixels[i]! * gains[0]! * light;
      const g = pixels[i + 1]! * gains[1]! * light;
      const b = pixels[i + 2]! * gains[2]! * light;
      const luma = 0.299 * r + 0.587 * g + 0.114 * b;
      pixels[i] = Math.max(0, Math.min(255, luma + (r - luma) * saturation + grain));
      pixels[i + 1] = Math.max(0, Math.min(255, luma + (g - luma) * saturation + grain));
      pixels[i + 2] = Math.max(0, Math.min(255, luma + (b - luma) * saturation + grain));
    }
  }
}

/**
 * A photo of `product` as a shopper's phone would take it: turned, skewed, cropped so a
 * little may fall outside the frame, on a cluttered table among fragments of other
 * products, under coloured light, blurred, noisy and compressed hard. Deterministic per
 * product and seed.
 */
export async function renderShopperPhoto(
  product: DemoProduct,
  options: ShopperPhotoOptions,
): Promise<Buffer> {
  const profile = PROFILES[options.difficulty ?? 'normal'];
  const random = createRandom(mixSeed(hashString(product.externalId), options.seed, 0x5eed));
  const [width, height] =
    options.width !== undefined && options.height !== undefined
      ? [options.width, options.height]
      : random.pick(PHONE_SIZES);
  assertImageSide(width);
  assertImageSide(height);
  const svg = sceneSvg(product, random, profile, width, height);
  const pixels = await sharp(Buffer.from(svg)).flatten({ background: '#808080' }).raw().toBuffer();
  developInPlace(pixels, width, height, random, profile);
  const sigma = random.range(profile.blur[0], profile.blur[1]);
  let photo = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (sigma >= 0.3) photo = photo.blur(sigma);
  return photo
    .jpeg({
      quality: Math.round(random.range(profile.quality[0], profile.quality[1])),
      optimiseCoding: false,
    })
    .toBuffer();
}
