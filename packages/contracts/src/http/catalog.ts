// The custom catalog API of the search service (reached through the gateway with an API
// key or a dashboard session): bulk upsert and delete of products, the catalog as search
// sees it, and indexing progress per store.
import Type, { type Static } from 'typebox';
import { Count, DateTime, Uuid } from '../primitives.ts';
import { ProblemFieldError } from '../problem.ts';
import { StyleDnaView } from './search.ts';

const strict = { additionalProperties: false } as const;

export const CATALOG_LIMITS = {
  productsPerUpsert: 500,
  externalIdsPerDelete: 1000,
  imagesPerProduct: 10,
  /** Decoded size of one inline image. */
  inlineImageBytes: 5 * 1024 * 1024,
  /** A whole upsert request, inline images included (base64 adds a third). */
  upsertBodyBytes: 60 * 1024 * 1024,
  /** 10^12 minor units: ten billion in a two-decimal currency, beyond any product's price. */
  maxPriceMinor: 1_000_000_000_000,
} as const;

export const INDEX_STATES = ['pending', 'indexed', 'failed', 'no_images'] as const;
export type IndexState = (typeof INDEX_STATES)[number];

export const ExternalId = () => Type.String({ minLength: 1, maxLength: 255 });
const HttpUrl = () => Type.String({ format: 'uri', pattern: '^[Hh][Tt][Tt][Pp][Ss]?://', maxLength: 2048 });
export const INLINE_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif'] as const;

/** Either `url` (fetched by search, public addresses only) or `data` (standard base64 of the file). */
export const CatalogImageInput = Type.Object(
  {
    url: Type.Optional(HttpUrl()),
    data: Type.Optional(Type.String({ minLength: 1 })),
    content_type: Type.Optional(Type.Enum(INLINE_IMAGE_TYPES)),
  },
  strict,
);

export const PriceInput = Type.Object(
  {
    amount_minor: Type.Integer({ minimum: 0, maximum: CATALOG_LIMITS.maxPriceMinor }),
    currency: Type.String({ pattern: '^[A-Z]{3}$' }),
  },
  strict,
);

/** One product of an upsert; each is checked on its own, so one bad product does not sink the batch. */
export const CatalogProductInput = Type.Object(
  {
    external_id: ExternalId(),
    title: Type.String({ minLength: 1, maxLength: 500, pattern: '\\S' }),
    description: Type.Optional(Type.String({ maxLength: 10_000 })),
    url: Type.Optional(HttpUrl()),
    price: Type.Optional(PriceInput),
    categories: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 20, uniqueItems: true }),
    ),
    in_stock: Type.Optional(Type.Boolean()),
    boost: Type.Optional(Type.Number({ minimum: -1, maximum: 1 })),
    images: Type.Array(CatalogImageInput, { minItems: 1, maxItems: CATALOG_LIMITS.imagesPerProduct }),
  },
  strict,
);

export const CatalogUpsertRequest = Type.Object(
  {
    /** Items follow CatalogProductInput; they are validated one by one (see `rejected`). */
    products: Type.Array(Type.Unknown(), { minItems: 1, maxItems: CATALOG_LIMITS.productsPerUpsert }),
  },
  strict,
);

export const RejectedProduct = Type.Object({
  /** Position in the request's `products`. */
  index: Count(),
  external_id: Type.Union([Type.String(), Type.Null()]),
  /** Paths are JSON pointers into the product (`/images/2/url`). */
  errors: Type.Array(ProblemFieldError),
});

export const CatalogUpsertAccepted = Type.Object({
  /** Follow it at GET /v1/catalog/indexing/runs/{run_id}. */
  run_id: Uuid(),
  accepted: Count(),
  /** Accepted products that changed; images changed on `queued` of them, which are (re)indexed. */
  changed: Count(),
  queued: Count(),
  rejected: Type.Array(RejectedProduct),
});

export const CatalogDeleteRequest = Type.Object(
  {
    external_ids: Type.Array(ExternalId(), {
      minItems: 1,
      maxItems: CATALOG_LIMITS.externalIdsPerDelete,
    }),
  },
  strict,
);

export const CatalogDeleteResult = Type.Object({
  deleted: Count(),
  /** Ids the store has no product for. */
  not_found: Type.Array(Type.String()),
});

export const CatalogProductQuery = Type.Object(
  {
    index_state: Type.Optional(Type.Enum(INDEX_STATES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200 })),
    /** `next_cursor` of the previous page. */
    cursor: Type.Optional(Type.String({ minLength: 1, maxLength: 400, pattern: '^[A-Za-z0-9_-]+$' })),
  },
  strict,
);

export const CatalogProductParams = Type.Object({ externalId: ExternalId() });

export const CatalogImageView = Type.Object({
  position: Count(),
  /** null for an inline image. */
  url: Type.Union([Type.String(), Type.Null()]),
  /** Hash of the bytes indexed (or posted inline); null until indexed. */
  sha256: Type.Union([Type.String(), Type.Null()]),
  width: Type.Union([Type.Integer(), Type.Null()]),
  height: Type.Union([Type.Integer(), Type.Null()]),
});

export const CatalogProductView = Type.Object({
  product_id: Uuid(),
  external_id: Type.String(),
  title: Type.String(),
  description: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  price: Type.Union([Type.Object({ amount_minor: Count(), currency: Type.String() }), Type.Null()]),
  categories: Type.Array(Type.String()),
  in_stock: Type.Boolean(),
  boost: Type.Number(),
  images: Type.Array(CatalogImageView),
  index_state: Type.Enum(INDEX_STATES),
  /** Why indexing failed, e.g. "image 2: the host resolves to a private address". */
  index_error: Type.Union([Type.String(), Type.Null()]),
  /** `<embedder id>-<version>` of the vectors, once indexed. */
  indexed_embedder: Type.Union([Type.String(), Type.Null()]),
  style_dna: Type.Union([StyleDnaView, Type.Null()]),
  style_keywords: Type.String(),
  created_at: DateTime(),
  updated_at: DateTime(),
});

export const CatalogProductPage = Type.Object({
  products: Type.Array(CatalogProductView),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

export const IndexingRunView = Type.Object({
  run_id: Uuid(),
  source: Type.Enum(['api', 'sync', 'reindex']),
  total: Count(),
  indexed: Count(),
  failed: Count(),
  /** Share of the run's products done (indexed or failed), 0-100. */
  percent: Type.Number({ minimum: 0, maximum: 100 }),
  created_at: DateTime(),
  finished_at: Type.Union([DateTime(), Type.Null()]),
});

export const IndexingRunParams = Type.Object({ runId: Uuid() });

export const IndexingStatusView = Type.Object({
  products: Count(),
  counts: Type.Object({ pending: Count(), indexed: Count(), failed: Count(), no_images: Count() }),
  /** Products waiting for the indexing worker (embedding or an index refresh). */
  queue_length: Count(),
  /** Share of the catalog that is searchable or settled (indexed, failed, no images), 0-100. */
  percent: Type.Number({ minimum: 0, maximum: 100 }),
  recent_runs: Type.Array(IndexingRunView),
});

export type CatalogImageInput = Static<typeof CatalogImageInput>;
export type CatalogProductInput = Static<typeof CatalogProductInput>;
export type RejectedProduct = Static<typeof RejectedProduct>;
export type CatalogUpsertAccepted = Static<typeof CatalogUpsertAccepted>;
export type CatalogProductView = Static<typeof CatalogProductView>;
export type CatalogImageView = Static<typeof CatalogImageView>;
export type IndexingRunView = Static<typeof IndexingRunView>;
export type IndexingStatusView = Static<typeof IndexingStatusView>;
