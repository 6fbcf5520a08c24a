import type { ColumnType } from 'kysely';

/** Row types of the search service's `search` schema (migrations/ is the source of truth). */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;
/** Postgres bigint arrives as a string from pg and as a bigint-safe string from PGlite. */
type BigIntColumn = ColumnType<
  string | number,
  number | bigint | string | undefined,
  number | bigint | string
>;

export type IndexState = 'pending' | 'indexed' | 'failed' | 'no_images';

export interface StoreSettingsTable {
  store_id: string;
  confidence_threshold: ColumnType<number, number | undefined, number>;
  embedder: string | null;
  catalog_version: BigIntColumn;
  updated_at: UpdatedAt;
}

export interface StoredStyleDna {
  colours: { name: string; hex: string; fraction: number }[];
  pattern: string;
}

export interface ProductsTable {
  store_id: string;
  product_id: string;
  external_id: string;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  url: string | null;
  price_minor: ColumnType<string | number | null, number | null | undefined, number | null>;
  currency: string | null;
  categories: ColumnType<string[], string[] | undefined, string[]>;
  in_stock: ColumnType<boolean, boolean | undefined, boolean>;
  boost: ColumnType<number, number | undefined, number>;
  image_urls: ColumnType<string[], string[] | undefined, string[]>;
  /** The declared images in order (catalog feature); `image_urls` holds only the shoppable URLs among them. */
  image_sources: ColumnType<ImageSource[], string | undefined, string>;
  /** Catalog version of the last change a vector index must pick up (see the vector feed migration). */
  vector_version: BigIntColumn;
  content_hash: string;
  style_dna: NullableJson<StoredStyleDna>;
  style_keywords: ColumnType<string, string | undefined, string>;
  index_state: ColumnType<IndexState, IndexState | undefined, IndexState>;
  index_error: string | null;
  indexed_embedder: string | null;
  search_document: ColumnType<unknown, never, never>;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

/** Where a catalog image comes from: a URL to fetch, or bytes posted inline (kept in `search.inline_images`). */
export type ImageSource = { url: string } | { sha256: string; content_type: string };

export interface ProductImagesTable {
  store_id: string;
  product_id: string;
  position: number;
  source_url: string | null;
  sha256: string;
  width: number;
  height: number;
  local_features: Uint8Array | null;
}

export interface ProductVectorsTable {
  store_id: string;
  vector_id: string;
  product_id: string;
  image_position: number;
  view: number;
  embedder: string;
  embedder_version: string;
  vector: Uint8Array;
}

export interface IndexingQueueTable {
  store_id: string;
  product_id: string;
  run_id: string | null;
  attempts: ColumnType<number, number | undefined, number>;
  not_before: ColumnType<Date, Date | string | undefined, Date | string>;
  last_error: string | null;
  enqueued_at: CreatedAt;
  /** Renewed each time the product is queued again (see the 2310 migration). */
  ticket: ColumnType<string, string | undefined, string>;
}

export interface IndexingRunsTable {
  store_id: string;
  run_id: string;
  source: 'api' | 'sync' | 'reindex';
  total: ColumnType<number, number | undefined, number>;
  indexed: ColumnType<number, number | undefined, number>;
  failed: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  finished_at: NullableTimestamp;
}

export interface SearchLogTable {
  store_id: string;
  search_id: string;
  kind: string;
  query_text: string | null;
  image_sha256: string | null;
  filters: Json<Record<string, string | number | boolean>>;
  result_product_ids: string[];
  top_score: number | null;
  confidence: number;
  zero_results: boolean;
  latency_ms: number;
  session_id: string | null;
  created_at: CreatedAt;
}

export interface QueryImagesTable {
  store_id: string;
  sha256: string;
  content_type: string;
  bytes: Uint8Array;
  created_at: CreatedAt;
}

export interface InlineImagesTable {
  store_id: string;
  sha256: string;
  content_type: string;
  bytes: Uint8Array;
  created_at: CreatedAt;
}

export interface VectorTombstonesTable {
  store_id: string;
  vector_id: string;
  version: BigIntColumn;
  /** When the vector was (last) removed; tombstones are pruned by age. */
  created_at: UpdatedAt;
}

export interface VectorTombstoneHorizonsTable {
  store_id: string;
  pruned_through: BigIntColumn;
}

export interface VectorIndexCursorsTable {
  store_id: string;
  index_key: string;
  version: BigIntColumn;
  updated_at: UpdatedAt;
}

export interface SearchTables {
  'search.store_settings': StoreSettingsTable;
  'search.products': ProductsTable;
  'search.product_images': ProductImagesTable;
  'search.product_vectors': ProductVectorsTable;
  'search.indexing_queue': IndexingQueueTable;
  'search.indexing_runs': IndexingRunsTable;
  'search.search_log': SearchLogTable;
  'search.query_images': QueryImagesTable;
  'search.inline_images': InlineImagesTable;
  'search.vector_tombstones': VectorTombstonesTable;
  'search.vector_tombstone_horizons': VectorTombstoneHorizonsTable;
  'search.vector_index_cursors': VectorIndexCursorsTable;
}
