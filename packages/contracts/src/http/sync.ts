// The sync worker's merchant API (reached through the gateway with an API key or a dashboard
// session): the store's platform connection, sync runs and their log, the catalog quality
// report and the onboarding progress. Platform callbacks (Shopify OAuth, webhooks) are public
// routes verified by their own signatures.
import Type, { type Static } from 'typebox';
import { Count, DateTime, PlatformSchema, Ratio, Uuid } from '../primitives.ts';
import { SYNC_ERROR_CODES, SYNC_TRIGGERS } from '../topics.ts';

const strict = { additionalProperties: false } as const;
const HttpUrl = () => Type.String({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', maxLength: 2048 });
const Nullable = <T extends Type.TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const SYNC_LIMITS = {
  /** Most images of one product the sync keeps (the rest are reported in the run log). */
  imagesPerProduct: 10,
  /** Upserts per `catalog.products_changed` event (the topic's own limit). */
  upsertsPerEvent: 100,
  deletesPerEvent: 1000,
  /** A run whose share of failed products exceeds this fails and alerts. */
  maxErrorRate: 0.05,
  /** Log entries kept per run (the counts stay exact beyond it). */
  logEntriesPerRun: 10_000,
  minIntervalMinutes: 15,
  maxIntervalMinutes: 7 * 24 * 60,
} as const;

/** `myshop.myshopify.com`: the only host an install may name (Shopify's own rule). */
export const SHOPIFY_SHOP_DOMAIN = '^[a-zA-Z0-9][a-zA-Z0-9-]{0,60}\\.myshopify\\.com$';
export const FEED_FORMATS = ['json', 'csv', 'google_merchant_xml'] as const;
export type FeedFormat = (typeof FEED_FORMATS)[number];

// ---- connection ----------------------------------------------------------------------

/** Starts Shopify's OAuth install: the answer names the URL to send the merchant to. */
export const ShopifyInstallRequest = Type.Object(
  { shop: Type.String({ pattern: SHOPIFY_SHOP_DOMAIN, maxLength: 100 }) },
  strict,
);
export const ShopifyInstallResponse = Type.Object({
  authorize_url: Type.String(),
  /** When the state nonce in that URL stops being accepted. */
  expires_at: DateTime(),
});

export const WooCommerceConnectRequest = Type.Object(
  {
    platform: Type.Literal('woocommerce'),
    /** The WordPress site: `https://shop.example` (the REST API is under `/wp-json/wc/v3`). */
    store_url: HttpUrl(),
    consumer_key: Type.String({ pattern: '^ck_[A-Za-z0-9]{8,64}$' }),
    consumer_secret: Type.String({ pattern: '^cs_[A-Za-z0-9]{8,64}$' }),
  },
  strict,
);
export const FeedConnectRequest = Type.Object(
  {
    platform: Type.Literal('custom'),
    /** Omit for a push-only store (products arrive through `PUT /v1/catalog/products`). */
    feed_url: Type.Optional(HttpUrl()),
    /** Guessed from the response's content type and first bytes when absent. */
    feed_format: Type.Optional(Type.Enum(FEED_FORMATS)),
    /** The shop the widget is embedded in, when the feed does not say. */
    storefront_url: Type.Optional(HttpUrl()),
  },
  strict,
);
/** `PUT /v1/connection`: WooCommerce keys or a feed; Shopify connects through its install flow. */
export const ConnectRequest = Type.Union([WooCommerceConnectRequest, FeedConnectRequest]);

export const CONNECTION_STATES = ['pending', 'connected', 'failed', 'disconnected'] as const;
export const ConnectionView = Type.Object({
  platform: PlatformSchema(),
  state: Type.Enum(CONNECTION_STATES),
  /** Shop domain, WooCommerce site or feed URL; never a credential. */
  source: Nullable(Type.String()),
  storefront_url: Nullable(Type.String()),
  feed_format: Nullable(Type.Enum(FEED_FORMATS)),
  webhooks: Type.Enum(['registered', 'not_supported', 'failed', 'none']),
  sync_enabled: Type.Boolean(),
  sync_interval_minutes: Count(),
  last_synced_at: Nullable(DateTime()),
  next_sync_at: Nullable(DateTime()),
  connected_at: Nullable(DateTime()),
  error: Nullable(Type.String()),
});
export const SyncSettingsPatch = Type.Object(
  {
    sync_enabled: Type.Optional(Type.Boolean()),
    sync_interval_minutes: Type.Optional(
      Type.Integer({ minimum: SYNC_LIMITS.minIntervalMinutes, maximum: SYNC_LIMITS.maxIntervalMinutes }),
    ),
  },
  { ...strict, minProperties: 1 },
);

// ---- sync runs -----------------------------------------------------------------------

export const SYNC_RUN_STATES = ['queued', 'running', 'succeeded', 'failed', 'cancelled'] as const;
export const SYNC_MODES = ['incremental', 'full'] as const;
export const SYNC_RUN_PHASES = ['queued', 'fetching', 'finishing', 'indexing', 'done'] as const;

export const SyncRunCounts = Type.Object({
  /** Products the platform returned (rejected ones included). */
  seen: Count(),
  added: Count(),
  updated: Count(),
  unchanged: Count(),
  deleted: Count(),
  failed: Count(),
  images_fetched: Count(),
  images_failed: Count(),
});
export const SyncRunView = Type.Object({
  id: Uuid(),
  trigger: Type.Enum(SYNC_TRIGGERS),
  mode: Type.Enum(SYNC_MODES),
  state: Type.Enum(SYNC_RUN_STATES),
  phase: Type.Enum(SYNC_RUN_PHASES),
  /** Products the platform says it has, when it says (for the progress bar); else null. */
  expected: Nullable(Count()),
  counts: SyncRunCounts,
  error_rate: Ratio(),
  indexing: Type.Object({ indexed: Count(), failed: Count(), total: Count() }),
  attempts: Count(),
  error: Nullable(Type.Object({ code: Type.Enum(SYNC_ERROR_CODES), message: Type.String() })),
  queued_at: DateTime(),
  started_at: Nullable(DateTime()),
  finished_at: Nullable(DateTime()),
  duration_ms: Nullable(Count()),
});
export const SyncRunList = Type.Object({
  runs: Type.Array(SyncRunView),
  next_cursor: Nullable(Type.String()),
});
export const StartSyncRequest = Type.Object({ mode: Type.Optional(Type.Enum(SYNC_MODES)) }, strict);

/** One product the run refused or could not complete, and why. */
export const SyncLogEntry = Type.Object({
  external_id: Nullable(Type.String()),
  level: Type.Enum(['error', 'warning']),
  code: Type.String(),
  message: Type.String(),
  at: DateTime(),
});
export const SyncRunLog = Type.Object({
  entries: Type.Array(SyncLogEntry),
  next_cursor: Nullable(Type.String()),
});

// ---- quality report ------------------------------------------------------------------

export const QUALITY_ISSUES = [
  'missing_images',
  'broken_image_urls',
  'low_resolution_images',
  'duplicate_images',
  'missing_prices',
  'missing_categories',
] as const;
export type QualityIssue = (typeof QUALITY_ISSUES)[number];
export const QualityReportView = Type.Object({
  products: Count(),
  computed_at: DateTime(),
  run_id: Nullable(Uuid()),
  /** Share of products with no issue at all. */
  score: Ratio(),
  issues: Type.Array(
    Type.Object({
      issue: Type.Enum(QUALITY_ISSUES),
      products: Count(),
      /** Up to 20 external ids to start fixing from. */
      examples: Type.Array(Type.String()),
    }),
  ),
});

// ---- onboarding ----------------------------------------------------------------------

export const ONBOARDING_STAGES = [
  'platform',
  'connect',
  'import',
  'indexing',
  'quality_report',
  'snippet',
  'completed',
] as const;
export type OnboardingStage = (typeof ONBOARDING_STAGES)[number];
export const OnboardingView = Type.Object({
  /** The stage the store is at (the first not yet done). */
  stage: Type.Enum(ONBOARDING_STAGES),
  percent: Type.Integer({ minimum: 0, maximum: 100 }),
  platform: Nullable(PlatformSchema()),
  run: Nullable(SyncRunView),
  quality: Nullable(QualityReportView),
  widget_key_ready: Type.Boolean(),
  started_at: Nullable(DateTime()),
  completed_at: Nullable(DateTime()),
  /** Seconds from connect to completion, once completed. */
  duration_s: Nullable(Type.Number({ minimum: 0 })),
});

export type ShopifyInstallRequest = Static<typeof ShopifyInstallRequest>;
export type ShopifyInstallResponse = Static<typeof ShopifyInstallResponse>;
export type WooCommerceConnectRequest = Static<typeof WooCommerceConnectRequest>;
export type FeedConnectRequest = Static<typeof FeedConnectRequest>;
export type ConnectRequest = Static<typeof ConnectRequest>;
export type ConnectionView = Static<typeof ConnectionView>;
export type SyncSettingsPatch = Static<typeof SyncSettingsPatch>;
export type SyncRunCounts = Static<typeof SyncRunCounts>;
export type SyncRunView = Static<typeof SyncRunView>;
export type SyncRunList = Static<typeof SyncRunList>;
export type StartSyncRequest = Static<typeof StartSyncRequest>;
export type SyncLogEntry = Static<typeof SyncLogEntry>;
export type SyncRunLog = Static<typeof SyncRunLog>;
export type QualityReportView = Static<typeof QualityReportView>;
export type OnboardingView = Static<typeof OnboardingView>;
