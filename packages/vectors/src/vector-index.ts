/**
 * One interface over every vector backend the search service can run on. Vectors are
 * L2-normalised float32, so a score is a cosine similarity (higher is closer). Each store
 * is isolated: a query never sees another store's vectors.
 */
export interface VectorMetadata {
  /** Several vectors (views, crops) belong to one product; the search service groups by it. */
  productId: string;
  inStock?: boolean;
  price?: number;
  category?: string;
}

export interface VectorRecord {
  id: string;
  values: Float32Array;
  metadata: VectorMetadata;
}

/** Every condition present must hold. A price bound excludes records without a price. */
export interface VectorFilter {
  inStock?: boolean;
  minPrice?: number;
  maxPrice?: number;
  /** Any of these categories. */
  categories?: string[];
}

export interface VectorQueryOptions {
  topK: number;
  filter?: VectorFilter;
}

export interface VectorMatch {
  id: string;
  score: number;
  metadata: VectorMetadata;
}

export interface VectorIndex {
  /** Inserts or overwrites by id. */
  upsert(storeId: string, records: readonly VectorRecord[]): Promise<void>;
  /** Unknown ids are ignored. */
  delete(storeId: string, ids: readonly string[]): Promise<void>;
  deleteAll(storeId: string): Promise<void>;
  /** Best first. */
  query(storeId: string, vector: Float32Array, options: VectorQueryOptions): Promise<VectorMatch[]>;
  count(storeId: string): Promise<number>;
}

export function matchesFilter(metadata: VectorMetadata, filter: VectorFilter | undefined): boolean {
  if (filter === undefined) return true;
  if (filter.inStock !== undefined && (metadata.inStock ?? false) !== filter.inStock) return false;
  if (filter.minPrice !== undefined && !(metadata.price !== undefined && metadata.price >= filter.minPrice)) {
    return false;
  }
  if (filter.maxPrice !== undefined && !(metadata.price !== undefined && metadata.price <= filter.maxPrice)) {
    return false;
  }
  if (filter.categories !== undefined) {
    if (metadata.category === undefined || !filter.categories.includes(metadata.category)) return false;
  }
  return true;
}
