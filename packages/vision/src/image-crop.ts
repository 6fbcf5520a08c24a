import type { DecodedImage } from './embedder.ts';

/** A rectangle in an image's pixels; fractional edges are widened to whole pixels. */
export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** The pixels inside `box` (clipped to the image, at least 1×1) as an image of their own. */
export function cropImage(image: DecodedImage, box: Box): DecodedImage {
  const x0 = Math.min(image.width - 1, Math.max(0, Math.floor(box.x0)));
  const y0 = Math.min(image.height - 1, Math.max(0, Math.floor(box.y0)));
  const width = Math.max(1, Math.min(image.width, Math.ceil(box.x1)) - x0);
  const height = Math.max(1, Math.min(image.height, Math.ceil(box.y1)) - y0);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((y0 + y) * image.width + x0) * 3;
    data.set(image.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { width, height, data };
}

/** The middle `share` of the image on each axis. */
export function centreCrop(image: DecodedImage, share: number): DecodedImage {
  const margin = (1 - share) / 2;
  return cropImage(image, {
    x0: image.width * margin,
    y0: image.height * margin,
    x1: image.width * (1 - margin),
    y1: image.height * (1 - margin),
  });
}
