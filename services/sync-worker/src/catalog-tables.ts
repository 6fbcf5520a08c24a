import type { ColumnType, Generated } from 'kysely';

/** Row types of the sync worker's `catalog` schema (migrations/ is the source of truth). */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type UpdatedAt = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type Json<T> = ColumnType<T, string | undefined, string>;
type Counter = ColumnType<number, number | undefined, number>;
/** Postgres bigint arrives as a string from pg and as a bigint-safe string from PGlite. */
type BigIntColumn = ColumnType<string | number, never, never>;

export type ConnectionState = 'pending' | 'connected' | 'failed' | 'disconnected';
export type WebhookState = 'registered' | 'not_supported' | 'failed' | 'none';
export type ImageStatus = 'pending' | 'ok' | 'broken' | 'not_image' | 'too_large' | 'refused';
export type RunState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type RunPhase = 'queued' | 'fetching' | 'finishing' | 'indexing' | 'done';

export interface ConnectionsTable {
  store_id: string;
  platform: 'shopify' | 'woocommerce' | 'custom';
  state: ColumnType<ConnectionState, ConnectionState | undefined, ConnectionState>;
  source: string | null;
  storefront_url: string | null;
  /** What the platform's verify() said; a Shopify webhook payload carries none. */
  currency: ColumnType<string | null, string | null | undefined, string | null>;
  feed_format: 'json' | 'csv' | 'google_merchant_xml' | null;
  credentials: Uint8Array | null;
  webhook_secret: Uint8Array | null;
  webhooks: ColumnType<WebhookState, WebhookState | undefined, WebhookState>;
  sync_enabled: ColumnType<boolean, boolean | undefined, boolean>;
  sync_interval_minutes: Counter;
  synced_through: NullableTimestamp;
  last_synced_at: NullableTimestamp;
  next_sync_at: NullableTimestamp;
  connected_at: NullableTimestamp;
  error: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface OauthStatesTable {
  state_hash: string;
  store_id: string;
  shop: string;
  expires_at: Date | string;
  used_at: NullableTimestamp;
  created_at: CreatedAt;
}

export interface ProductsTable {
  store_id: string;
  product_id: string;
  external_id: string;
  content_hash: string;
  title: string;
  description: ColumnType<string, string | undefined, string>;
  url: string | null;
  price_minor: ColumnType<string | number | null, number | null | undefined, number | null>;
  currency: string | null;
  availability: string;
  categories: ColumnType<string[], string[] | undefined, string[]>;
  tags: ColumnType<string[], string[] | undefined, string[]>;
  variants: Json<unknown[]>;
  source_updated_at: NullableTimestamp;
  seen_run_id: string | null;
  created_at: CreatedAt;
  updated_at: UpdatedAt;
}

export interface ProductImagesTable {
  store_id: string;
  product_id: string;
  position: number;
  url: string;
  sha256: string | null;
  width: number | null;
  height: number | null;
  bytes: number | null;
  content_type: string | null;
  etag: string | null;
  last_modified: string | null;
  status: ColumnType<ImageStatus, ImageStatus | undefined, ImageStatus>;
  error: string | null;
  fetched_at: NullableTimestamp;
}

export interface SyncRunsTable {
  id: string;
  store_id: string;
  trigger: 'onboarding' | 'schedule' | 'manual' | 'webhook';
  mode: 'incremental' | 'full';
  state: ColumnType<RunState, RunState | undefined, RunState>;
  phase: ColumnType<RunPhase, RunPhase | undefined, RunPhase>;
  since: NullableTimestamp;
  cursor: string | null;
  expected: number | null;
  seen: Counter;
  added: Counter;
  updated: Counter;
  unchanged: Counter;
  deleted: Counter;
  failed: Counter;
  images_fetched: Counter;
  images_failed: Counter;
  max_source_updated_at: NullableTimestamp;
  indexing_total: Counter;
  indexing_indexed: Counter;
  indexing_failed: Counter;
  /** Products the run handed to search for embedding (migration 0220). */
  indexing_expected: Counter;
  attempts: Counter;
  not_before: UpdatedAt;
  lease_until: NullableTimestamp;
  error_code: string | null;
  error_message: string | null;
  queued_at: CreatedAt;
  started_at: NullableTimestamp;
  finished_at: NullableTimestamp;
}

export interface SyncRunLogTable {
  store_id: string;
  run_id: string;
  seq: Generated<BigIntColumn>;
  external_id: string | null;
  level: 'error' | 'warning';
  code: string;
  message: string;
  at: CreatedAt;
}

export interface WebhookDeliveriesTable {
  store_id: string;
  platform: string;
  delivery_id: string;
  topic: string;
  received_at: CreatedAt;
}

export interface QualityReportsTable {
  store_id: string;
  run_id: string | null;
  products: number;
  score: number;
  issues: Json<unknown[]>;
  computed_at: UpdatedAt;
}

export interface OnboardingTable {
  store_id: string;
  platform: string | null;
  platform_at: NullableTimestamp;
  connected_at: NullableTimestamp;
  initial_run_id: string | null;
  imported_at: NullableTimestamp;
  indexed_at: NullableTimestamp;
  quality_at: NullableTimestamp;
  catalog_indexed_published_at: NullableTimestamp;
  widget_key_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  /** What onboarding.catalog_indexed announced; onboarding.completed repeats it. */
  products_indexed: number | null;
  products_failed: number | null;
  products_without_images: number | null;
}

export interface CatalogTables {
  'catalog.connections': ConnectionsTable;
  'catalog.oauth_states': OauthStatesTable;
  'catalog.products': ProductsTable;
  'catalog.product_images': ProductImagesTable;
  'catalog.sync_runs': SyncRunsTable;
  'catalog.sync_run_log': SyncRunLogTable;
  'catalog.webhook_deliveries': WebhookDeliveriesTable;
  'catalog.quality_reports': QualityReportsTable;
  'catalog.onboarding': OnboardingTable;
}
