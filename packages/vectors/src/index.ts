export type { Quantization } from './local/hnsw-graph.ts';
export {
  createLocalVectorIndex,
  LOCAL_INDEX_DEFAULTS,
  type LocalVectorIndex,
  type LocalVectorIndexOptions,
} from './local/local-vector-index.ts';
export {
  createPineconeVectorIndex,
  type PineconeVectorIndexOptions,
} from './pinecone/pinecone-vector-index.ts';
export {
  matchesFilter,
  type VectorFilter,
  type VectorIndex,
  type VectorMatch,
  type VectorMetadata,
  type VectorQueryOptions,
  type VectorRecord,
} from './vector-index.ts';
export { VectorIndexError, type VectorIndexFailure } from './vector-index-error.ts';
