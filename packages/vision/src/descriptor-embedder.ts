import {
  addForegroundLayout,
  addLabHistogram,
  addLbpHistogram,
  addOrientationHistogram,
  type LabBins,
  LBP_BINS,
  labHistogramLength,
} from './descriptor-blocks.ts';
import type { DecodedImage, ImageEmbedder } from './embedder.ts';
import { estimateForeground, type Foreground, type ForegroundOptions } from './foreground-weights.ts';
import { toWorkingImage, type WorkingImage } from './working-image.ts';

export type DescriptorBlock =
  | { kind: 'colour'; bins: LabBins; grid: number; weight: number }
  | { kind: 'orientation'; orientations: number; grid: number; weight: number }
  | { kind: 'lbp'; step: number; weight: number }
  | { kind: 'silhouette'; grid: number; frame: 'image' | 'object'; weight: number };

export interface DescriptorConfig {
  /** Long side of the working copy every block reads. */
  workingSide: number;
  foreground: ForegroundOptions;
  blocks: DescriptorBlock[];
  /** Exponent of the signed power normalisation applied to each block (0.5 = Hellinger). */
  power: number;
  /** Remove each block's mean after power normalisation, so its cosine spans a wider range. */
  centreBlocks: boolean;
}

function blockLength(block: DescriptorBlock): number {
  switch (block.kind) {
    case 'colour':
      return labHistogramLength(block.bins) * block.grid * block.grid;
    case 'orientation':
      return block.orientations * block.grid * block.grid;
    case 'lbp':
      return LBP_BINS;
    case 'silhouette':
      return block.grid * block.grid;
  }
}

function fillBlock(
  out: Float32Array,
  offset: number,
  block: DescriptorBlock,
  image: WorkingImage,
  fg: Foreground,
): void {
  switch (block.kind) {
    case 'colour':
      addLabHistogram(out, offset, image, fg, block.bins, block.grid);
      return;
    case 'orientation':
      addOrientationHistogram(out, offset, image, fg, block.orientations, block.grid);
      return;
    case 'lbp':
      addLbpHistogram(out, offset, image, fg, block.step);
      return;
    case 'silhouette':
      addForegroundLayout(out, offset, image, fg, block.grid, block.frame);
      return;
  }
}

/**
 * Power-normalise then L2-normalise one block and scale it by its weight, so each
 * block contributes a fixed share of the cosine similarity whatever its length.
 */
function normaliseBlock(
  v: Float32Array,
  offset: number,
  length: number,
  power: number,
  weight: number,
  centre: boolean,
): void {
  let mean = 0;
  let total = 0;
  for (let i = offset; i < offset + length; i++) total += Math.abs(v[i]!);
  for (let i = offset; i < offset + length; i++) {
    const x = total > 0 ? v[i]! / total : 0;
    const p = Math.sign(x) * Math.abs(x) ** power;
    v[i] = p;
    mean += p;
  }
  mean = centre ? mean / length : 0;
  let sum = 0;
  for (let i = offset; i < offset + length; i++) {
    const p = v[i]! - mean;
    v[i] = p;
    sum += p * p;
  }
  const scale = sum > 0 ? weight / Math.sqrt(sum) : 0;
  for (let i = offset; i < offset + length; i++) v[i]! *= scale;
}

export function l2Normalise(v: Float32Array): Float32Array {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  if (sum > 0) {
    const scale = 1 / Math.sqrt(sum);
    for (let i = 0; i < v.length; i++) v[i]! *= scale;
  }
  return v;
}

export function describeImage(image: DecodedImage, config: DescriptorConfig): Float32Array {
  return describeWorkingImage(toWorkingImage(image, config.workingSide), config);
}

/** The descriptor of an image already brought to the config's working size. */
export function describeWorkingImage(working: WorkingImage, config: DescriptorConfig): Float32Array {
  const foreground = estimateForeground(working, config.foreground);
  const lengths = config.blocks.map(blockLength);
  const out = new Float32Array(lengths.reduce((a, b) => a + b, 0));
  let offset = 0;
  config.blocks.forEach((block, k) => {
    fillBlock(out, offset, block, working, foreground);
    normaliseBlock(out, offset, lengths[k]!, config.power, block.weight, config.centreBlocks);
    offset += lengths[k]!;
  });
  return l2Normalise(out);
}

export function descriptorDims(config: DescriptorConfig): number {
  return config.blocks.reduce((total, block) => total + blockLength(block), 0);
}

/**
 * Chosen on the grocery and clothing benches (see bench/search-quality.ts): Lab colour
 * carries product identity, LBP adds surface texture, the object-framed HOG grid and
 * silhouette carry garment category. A finer HOG grid at a lower weight than v1's 4×4
 * and a silhouette over the object box instead of the frame kept clothing precision and
 * misled less on shelves and piles of produce. 812 dims.
 */
export const DEFAULT_DESCRIPTOR_CONFIG: DescriptorConfig = {
  workingSide: 128,
  foreground: { borderContrast: true, centreSigma: 0.3, backgroundFloor: 0.15 },
  blocks: [
    { kind: 'colour', bins: { lightness: 3, chroma: 12, chromaRange: 64 }, grid: 1, weight: 1 },
    { kind: 'orientation', orientations: 9, grid: 6, weight: 0.75 },
    { kind: 'silhouette', grid: 6, frame: 'object', weight: 0.5 },
    { kind: 'lbp', step: 1, weight: 0.3 },
    { kind: 'lbp', step: 2, weight: 0.3 },
  ],
  power: 0.5,
  centreBlocks: true,
};

/** `config` with only its blocks of the given kinds: a smaller descriptor of its own. */
export function blocksOf(
  config: DescriptorConfig,
  kinds: readonly DescriptorBlock['kind'][],
): DescriptorConfig {
  return { ...config, blocks: config.blocks.filter((block) => kinds.includes(block.kind)) };
}

/**
 * Cuts the blocks of the given kinds out of a vector of `config` and L2-normalises
 * them: the result equals describing the image with `blocksOf(config, kinds)`, since a
 * vector holds each block normalised to its weight. So one stored vector also serves
 * as any of its sub-descriptors.
 */
export function selectBlocks(
  config: DescriptorConfig,
  kinds: readonly DescriptorBlock['kind'][],
): (vector: Float32Array) => Float32Array {
  const ranges: [number, number][] = [];
  let offset = 0;
  for (const block of config.blocks) {
    const length = blockLength(block);
    if (kinds.includes(block.kind)) ranges.push([offset, offset + length]);
    offset += length;
  }
  const dims = ranges.reduce((total, [start, end]) => total + end - start, 0);
  return (vector) => {
    const out = new Float32Array(dims);
    let at = 0;
    for (const [start, end] of ranges) {
      out.set(vector.subarray(start, end), at);
      at += end - start;
    }
    return l2Normalise(out);
  };
}

/** The config behind each embedder this module made, for the catalog views' shared working copies. */
const CONFIGS = new WeakMap<ImageEmbedder, DescriptorConfig>();

export function descriptorConfigOf(embedder: ImageEmbedder): DescriptorConfig | undefined {
  return CONFIGS.get(embedder);
}

export function createDescriptorEmbedder(
  config: DescriptorConfig = DEFAULT_DESCRIPTOR_CONFIG,
): ImageEmbedder {
  const embedder: ImageEmbedder = {
    id: 'descriptor',
    version: '2',
    dims: descriptorDims(config),
    embed: async (image) => describeImage(image, config),
  };
  CONFIGS.set(embedder, config);
  return embedder;
}
