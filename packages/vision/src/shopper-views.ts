import type { DecodedImage } from './embedder.ts';
import { estimateForeground } from './foreground-weights.ts';
import { type Box, cropImage } from './image-crop.ts';
import { toWorkingImage, type WorkingImage } from './working-image.ts';

/**
 * Synthetic views of a catalog photo that look more like what a shopper sends: the
 * product as a pile or a shelf of identical items filling the frame (how produce and
 * cartons are photographed in a shop), a close crop of the object, and the casts of
 * shop lighting. Indexed next to the original, each product then scores its
 * best-matching view; the query side never changes.
 */
export interface ShopperViewOptions {
  closeCrop: boolean;
  /** One pile view per entry; each is relit like the original. */
  piles: readonly PileOptions[];
  lighting: readonly Lighting[];
}

/** Per-channel gain (white balance and exposure) and saturation multiplier of a shop's light. */
export interface Lighting {
  gains: readonly [number, number, number];
  saturation: number;
}

export interface PileOptions {
  /** copies per side of the frame: the apparent size of one item */
  across: number;
  /** item size relative to its grid cell; above 1 the items overlap as in a crate */
  overlap: number;
  /** the shadowed gaps between the items */
  gapGrey: number;
  seed: number;
}

/**
 * On the grocery bench (see bench/search-quality.ts) a 3-across pile and dim, warm and
 * cool copies of the studio shot and of the pile each raised recall; close crops did not.
 */
export const DEFAULT_SHOPPER_VIEWS: ShopperViewOptions = {
  closeCrop: false,
  piles: [{ across: 3, overlap: 1.2, gapGrey: 40, seed: 1 }],
  lighting: [
    { gains: [0.7, 0.7, 0.7], saturation: 1 },
    { gains: [0.8, 0.72, 0.58], saturation: 1 },
    { gains: [0.6, 0.67, 0.7], saturation: 1 },
  ],
};

const PILE_SIDE = 256;
export const MASK_SIDE = 128;

/** The product's cut-out: foreground mask (at a coarse grid) and its box, in the image's pixels. */
export interface Cutout {
  box: Box;
  inside(x: number, y: number): boolean;
}

/** `working`: the image's working copy at MASK_SIDE when the caller already has it. */
export function cutout(
  image: DecodedImage,
  working: WorkingImage = toWorkingImage(image, MASK_SIDE),
): Cutout {
  const { weights } = estimateForeground(working, {
    borderContrast: true,
    centreSigma: 100,
    backgroundFloor: 0,
  });
  const scale = working.width / image.width;
  let x0 = working.width;
  let y0 = working.height;
  let x1 = 0;
  let y1 = 0;
  let area = 0;
  for (let y = 0; y < working.height; y++) {
    for (let x = 0; x < working.width; x++) {
      if (weights[y * working.width + x]! <= 0.5) continue;
      area++;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1);
      y1 = Math.max(y1, y + 1);
    }
  }
  const share = area / weights.length;
  // no usable backdrop (a full-bleed shot) or no object found: the whole frame is the product
  if (share < 0.03 || share > 0.97) {
    return { box: { x0: 0, y0: 0, x1: image.width, y1: image.height }, inside: () => true };
  }
  const toImage = (v: number): number => v / scale;
  return {
    box: { x0: toImage(x0), y0: toImage(y0), x1: toImage(x1), y1: toImage(y1) },
    inside: (x, y) =>
      weights[
        Math.min(working.height - 1, Math.floor(y * scale)) * working.width +
          Math.min(working.width - 1, Math.floor(x * scale))
      ]! > 0.5,
  };
}

function seededRandom(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/**
 * Copies of the cut-out product, jittered in place, size, quarter-turn and brightness,
 * overlapping on a dark ground: the frame-filling pile of identical items a shopper
 * photographs, where the studio shot shows one item on white.
 */
export function pile(image: DecodedImage, object: Cutout, options: PileOptions): DecodedImage {
  const side = PILE_SIDE;
  const data = new Uint8Array(side * side * 3).fill(options.gapGrey);
  const { box } = object;
  const ow = box.x1 - box.x0;
  const oh = box.y1 - box.y0;
  const random = seededRandom(options.seed);
  const cell = side / options.across;
  const baseScale = (cell * options.overlap) / Math.max(ow, oh);
  const centres: [number, number][] = [];
  // one ring beyond the frame so the edges are covered like the middle
  for (let gy = -1; gy <= options.across; gy++) {
    for (let gx = -1; gx <= options.across; gx++) {
      centres.push([(gx + 0.5 + (random() - 0.5) * 0.6) * cell, (gy + 0.5 + (random() - 0.5) * 0.6) * cell]);
    }
  }
  for (let i = centres.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [centres[i], centres[j]] = [centres[j]!, centres[i]!];
  }
  for (const [cx, cy] of centres) {
    const turns = Math.floor(random() * 4);
    const gain = 0.8 + random() * 0.3;
    const scale = baseScale * (0.85 + random() * 0.3);
    const reach = Math.ceil((Math.max(ow, oh) * scale) / 2);
    for (let y = Math.max(0, Math.floor(cy - reach)); y < Math.min(side, cy + reach); y++) {
      for (let x = Math.max(0, Math.floor(cx - reach)); x < Math.min(side, cx + reach); x++) {
        const u0 = (x - cx) / scale;
        const v0 = (y - cy) / scale;
        // quarter-turns of (u, v): each maps it to (-v, u)
        const u = turns === 0 ? u0 : turns === 1 ? -v0 : turns === 2 ? -u0 : v0;
        const v = turns === 0 ? v0 : turns === 1 ? u0 : turns === 2 ? -v0 : -u0;
        const sx = Math.floor(u + box.x0 + ow / 2);
        const sy = Math.floor(v + box.y0 + oh / 2);
        if (sx < box.x0 || sy < box.y0 || sx >= box.x1 || sy >= box.y1 || !object.inside(sx, sy)) continue;
        const s = (sy * image.width + sx) * 3;
        const d = (y * side + x) * 3;
        data[d] = Math.min(255, image.data[s]! * gain);
        data[d + 1] = Math.min(255, image.data[s + 1]! * gain);
        data[d + 2] = Math.min(255, image.data[s + 2]! * gain);
      }
    }
  }
  return { width: side, height: side, data };
}

function relight(image: DecodedImage, { gains, saturation }: Lighting): DecodedImage {
  const data = new Uint8Array(image.data.length);
  const src = image.data;
  for (let i = 0; i < data.length; i += 3) {
    const r = src[i]! * gains[0];
    const g = src[i + 1]! * gains[1];
    const b = src[i + 2]! * gains[2];
    const grey = 0.299 * r + 0.587 * g + 0.114 * b;
    data[i] = Math.min(255, Math.max(0, grey + (r - grey) * saturation));
    data[i + 1] = Math.min(255, Math.max(0, grey + (g - grey) * saturation));
    data[i + 2] = Math.min(255, Math.max(0, grey + (b - grey) * saturation));
  }
  return { width: image.width, height: image.height, data };
}

/** The synthetic views of a catalog photo, without the photo itself. */
export function shopperViews(
  image: DecodedImage,
  options: ShopperViewOptions = DEFAULT_SHOPPER_VIEWS,
): DecodedImage[] {
  const views: DecodedImage[] = [];
  const object = cutout(image);
  const relit = (base: DecodedImage): DecodedImage[] => options.lighting.map((l) => relight(base, l));
  views.push(...relit(image));
  for (const pileOptions of options.piles) {
    const heap = pile(image, object, pileOptions);
    views.push(heap, ...relit(heap));
  }
  if (options.closeCrop) {
    // the object's interior: what a shopper's close-up of this product mostly shows
    const { x0, y0, x1, y1 } = object.box;
    const w = x1 - x0;
    const h = y1 - y0;
    views.push(cropImage(image, { x0: x0 + w * 0.2, y0: y0 + h * 0.2, x1: x1 - w * 0.2, y1: y1 - h * 0.2 }));
  }
  return views;
}

/**
 * Everything to index for one catalog photo, the photo itself first: a product's score
 * for a query is its best view's.
 */
export function catalogViews(
  image: DecodedImage,
  options: ShopperViewOptions = DEFAULT_SHOPPER_VIEWS,
): DecodedImage[] {
  return [image, ...shopperViews(image, options)];
}
