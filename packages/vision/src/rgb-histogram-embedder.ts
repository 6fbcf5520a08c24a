import type { DecodedImage, ImageEmbedder } from './embedder.ts';

const LEVELS = 8;

/**
 * The naive baseline the descriptor is measured against: a joint 8×8×8 RGB histogram
 * of every pixel, square-rooted and L2-normalised.
 */
export function rgbHistogram(image: DecodedImage): Float32Array {
  const out = new Float32Array(LEVELS ** 3);
  const { data } = image;
  for (let i = 0; i < data.length; i += 3) {
    out[((data[i]! >> 5) * LEVELS + (data[i + 1]! >> 5)) * LEVELS + (data[i + 2]! >> 5)]! += 1;
  }
  let sum = 0;
  for (let i = 0; i < out.length; i++) sum += out[i]!;
  for (let i = 0; i < out.length; i++) out[i] = Math.sqrt(out[i]! / sum);
  return out;
}

export function createRgbHistogramEmbedder(): ImageEmbedder {
  return {
    id: 'rgb-histogram',
    version: '1',
    dims: LEVELS ** 3,
    embed: async (image) => rgbHistogram(image),
  };
}
