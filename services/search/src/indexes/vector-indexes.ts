import path from 'node:path';
import {
  createLocalVectorIndex,
  createPineconeVectorIndex,
  type LocalVectorIndex,
  type VectorIndex,
} from '@nlyzer/vectors';
import type { ImageEmbedder } from '@nlyzer/vision';
import { type SearchConfig, vectorIndexDirectory } from '../config.ts';

/**
 * One vector index per embedder (id + version): vectors of different embedders are
 * never compared, and changing a store's embedder re-indexes it into the other index.
 * Local indexes persist per store and are rebuilt from `search.product_vectors`, the
 * source of truth, when their snapshot is missing or older than the store's catalog.
 */
export interface VectorIndexes {
  for(embedder: ImageEmbedder): VectorIndex;
  /** The local index behind `for(embedder)`, or null with Pinecone (which needs no rebuild). */
  local(embedder: ImageEmbedder): LocalVectorIndex | null;
}

export type VectorIndexFactory = (embedder: ImageEmbedder) => VectorIndex;

export function embedderKey(embedder: ImageEmbedder): string {
  return `${embedder.id}-${embedder.version}`;
}

export function createVectorIndexes(config: SearchConfig, factory?: VectorIndexFactory): VectorIndexes {
  const indexes = new Map<string, VectorIndex>();
  const make: VectorIndexFactory =
    factory ??
    ((embedder) =>
      config.VECTOR_INDEX === 'pinecone'
        ? createPineconeVectorIndex({
            host: config.PINECONE_INDEX_HOST!,
            apiKey: config.PINECONE_API_KEY!,
            dimensions: embedder.dims,
          })
        : createLocalVectorIndex({
            dimensions: embedder.dims,
            directory: path.join(vectorIndexDirectory(config), embedderKey(embedder)),
          }));
  const get = (embedder: ImageEmbedder) => {
    const key = embedderKey(embedder);
    let index = indexes.get(key);
    if (index === undefined) {
      index = make(embedder);
      indexes.set(key, index);
    }
    return index;
  };
  return {
    for: get,
    local: (embedder) => {
      const index = get(embedder);
      return 'rebuild' in index ? (index as LocalVectorIndex) : null;
    },
  };
}
