import type { DecodedImage } from './embedder.ts';
import { estimateForeground } from './foreground-weights.ts';
import { toWorkingImage } from './working-image.ts';

/**
 * Synthetic views of a catalog photo that look more like what a shopper sends: the
 * product filling the frame (a close crop of the object), the product repeated as on
 * a shelf, and the casts of shop lighting. Indexed next to the original, each product
 * then scores its best-matching view.
 */
export interface ShopperViewOptions {
  closeCrop: boolean;
  shelfTiling: number[];
  lighting: readonly Lighting[];
}

/** Per-channel gain (white balance and exposure) and saturation multiplier of a shop's light. */
export interface Lighting {
  gains: readonly [number, number, number];
  saturation: number;
}

/**
 * Only relighting is on by default: on the grocery bench close crops and shelf tiling
 * lowered recall, while dim, warm and cool copies of the bright studio shot raised it.
 */
export const DEFAULT_SHOPPER_VIEWS: ShopperViewOptions = {
  closeCrop: false,
  shelfTiling: [],
  lighting: [
    { gains: [0.7, 0.7, 0.7], saturation: 1 },
    { gains: [0.8, 0.72, 0.58], saturation: 1 },
    { gains: [0.6, 0.67, 0.7], saturation: 1 },
  ],
};

interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

function crop(image: DecodedImage, box: Box): DecodedImage {
  const x0 = Math.max(0, Math.floor(box.x0));
  const y0 = Math.max(0, Math.floor(box.y0));
  const width = Math.max(1, Math.min(image.width, Math.ceil(box.x1)) - x0);
  const height = Math.max(1, Math.min(image.height, Math.ceil(box.y1)) - y0);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * image.width + x0) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}

/** `count`×`count` copies of the image shrunk to fit one frame the size of the original. */
function tile(image: DecodedImage, count: number): DecodedImage {
  const { width, height } = image;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = (y * count) % height;
    for (let x = 0; x < width; x++) {
      const sx = (x * count) % width;
      const s = (sy * width + sx) * 3;
      const d = (y * width + x) * 3;
      data[d] = image.data[s]!;
      data[d + 1] = image.data[s + 1]!;
      data[d + 2] = image.data[s + 2]!;
    }
  }
  return { width, height, data };
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

export function shopperViews(
  image: DecodedImage,
  options: ShopperViewOptions = DEFAULT_SHOPPER_VIEWS,
): DecodedImage[] {
  const views: DecodedImage[] = [];
  const working = toWorkingImage(image, 96);
  const { box } = estimateForeground(working, { borderContrast: true, centreSigma: 0.5, backgroundFloor: 0 });
  const scale = image.width / working.width;
  const w = box.x1 - box.x0;
  const h = box.y1 - box.y0;
  // the object's interior: what a shopper's close-up of this product mostly shows
  const interior = {
    x0: (box.x0 + w * 0.2) * scale,
    y0: (box.y0 + h * 0.2) * scale,
    x1: (box.x1 - w * 0.2) * scale,
    y1: (box.y1 - h * 0.2) * scale,
  };
  const object = crop(image, {
    x0: box.x0 * scale,
    y0: box.y0 * scale,
    x1: box.x1 * scale,
    y1: box.y1 * scale,
  });
  if (options.closeCrop) views.push(crop(image, interior));
  for (const count of options.shelfTiling) views.push(tile(object, count));
  for (const lighting of options.lighting) views.push(relight(image, lighting));
  return views;
}
