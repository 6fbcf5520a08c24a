export { type DecodeOptions, decodeImage, type ImageFormat, sniffImageFormat } from './decode-image.ts';
export {
  createDescriptorEmbedder,
  DEFAULT_DESCRIPTOR_CONFIG,
  type DescriptorBlock,
  type DescriptorConfig,
} from './descriptor-embedder.ts';
export type { DecodedImage, ImageEmbedder } from './embedder.ts';
export {
  createGeometricVerifier,
  type GeometricVerifier,
  type GeometricVerifierOptions,
  type LocalFeatures,
} from './geometric-verifier.ts';
export { ImageRejectedError, type ImageRejection } from './image-rejected-error.ts';
export { dequantizeInt8, type Int8Vector, int8Dot, quantizeInt8 } from './int8-quantization.ts';
export { createRgbHistogramEmbedder } from './rgb-histogram-embedder.ts';
export {
  DEFAULT_SHOPPER_VIEWS,
  type Lighting,
  type ShopperViewOptions,
  shopperViews,
} from './shopper-views.ts';
export {
  extractStyleDna,
  type NamedColour,
  type PatternClass,
  type PatternEvidence,
  type StyleDna,
} from './style-dna.ts';
