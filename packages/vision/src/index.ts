export {
  createRerankQuery,
  DEFAULT_RERANK_MODEL,
  matchProbability,
  type RerankCandidate,
  type RerankedCandidate,
  type RerankModel,
  type RerankOptions,
  type RerankQuery,
  rerankCandidates,
} from './candidate-rerank.ts';
export {
  type CatalogImageEmbedding,
  type CatalogImageEmbeddingOptions,
  embedCatalogImage,
} from './catalog-image-embedding.ts';
export { type DecodeOptions, decodeImage, type ImageFormat, sniffImageFormat } from './decode-image.ts';
export {
  blocksOf,
  createDescriptorEmbedder,
  DEFAULT_DESCRIPTOR_CONFIG,
  type DescriptorBlock,
  type DescriptorConfig,
  selectBlocks,
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
export {
  decodeLocalFeatures,
  encodeLocalFeatures,
  LocalFeaturesError,
  type LocalFeaturesFailure,
} from './local-features-codec.ts';
export { createOnnxEmbedder, type OnnxEmbedder, type OnnxEmbedderOptions } from './onnx/onnx-embedder.ts';
export { OnnxEmbedderError, type OnnxEmbedderFailure } from './onnx/onnx-embedder-error.ts';
export { OnnxManifest } from './onnx/onnx-manifest.ts';
export {
  createOpenAiEmbedder,
  type OpenAiEmbedder,
  type OpenAiEmbedderOptions,
} from './openai/openai-embedder.ts';
export { OpenAiEmbedderError, type OpenAiEmbedderFailure } from './openai/openai-embedder-error.ts';
export { OpenAiStyleDna, renderStyleDna } from './openai/openai-style-dna.ts';
export { createRgbHistogramEmbedder } from './rgb-histogram-embedder.ts';
export {
  catalogViews,
  DEFAULT_SHOPPER_VIEWS,
  type Lighting,
  type PileOptions,
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
