// Search HTTP bodies: what the widget and API clients send to and get from /v1/search.
import Type, { type Static } from 'typebox';
import { OpaqueId, Ratio, SEARCH_KINDS, Uuid } from '../primitives.ts';

const strict = { additionalProperties: false } as const;

/** Filters travel in the query string so a raw image body stays the whole body. */
export const SearchFiltersQuery = Type.Object(
  {
    in_stock: Type.Optional(Type.Boolean({ description: 'Only products in stock' })),
    min_price: Type.Optional(
      Type.Number({ minimum: 0, description: 'In the major unit of the store currency' }),
    ),
    max_price: Type.Optional(Type.Number({ minimum: 0 })),
    category: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 500,
        description: 'One category, or several separated by commas',
      }),
    ),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 12 }),
    /** Image search only: a text query fused with the image ranking (hybrid search). */
    q: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    session_id: Type.Optional(OpaqueId()),
  },
  strict,
);
export type SearchFiltersQuery = Static<typeof SearchFiltersQuery>;

export const TextSearchBody = Type.Object(
  {
    q: Type.String({ minLength: 1, maxLength: 500 }),
    in_stock: Type.Optional(Type.Boolean()),
    min_price: Type.Optional(Type.Number({ minimum: 0 })),
    max_price: Type.Optional(Type.Number({ minimum: 0 })),
    category: Type.Optional(Type.String({ minLength: 1, maxLength: 500 })),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 12 }),
    session_id: Type.Optional(OpaqueId()),
  },
  strict,
);
export type TextSearchBody = Static<typeof TextSearchBody>;

const ColourView = Type.Object({
  name: Type.String(),
  hex: Type.String(),
  fraction: Ratio(),
});

export const StyleDnaView = Type.Object({
  colours: Type.Array(ColourView),
  pattern: Type.String(),
});

export const SearchResultView = Type.Object({
  product_id: Uuid(),
  external_id: Type.String(),
  title: Type.String(),
  url: Type.Union([Type.String(), Type.Null()]),
  image_url: Type.Union([Type.String(), Type.Null()]),
  price: Type.Union([Type.Object({ amount_minor: Type.Integer(), currency: Type.String() }), Type.Null()]),
  in_stock: Type.Boolean(),
  categories: Type.Array(Type.String()),
  /** 0..1, comparable within one response. */
  score: Type.Number(),
  style: Type.Union([StyleDnaView, Type.Null()]),
});
export type SearchResultView = Static<typeof SearchResultView>;

export const SearchResponse = Type.Object({
  search_id: Uuid(),
  kind: Type.Enum(SEARCH_KINDS),
  results: Type.Array(SearchResultView),
  /** Probability-like confidence that the first result is what the shopper looked for. */
  confidence: Ratio(),
  threshold: Ratio(),
  /** Below the store's threshold: a human expert was asked to help (concierge). */
  concierge_requested: Type.Boolean(),
  /** What the query image looks like: named colours and pattern. Null for text searches. */
  style_dna: Type.Union([StyleDnaView, Type.Null()]),
  latency_ms: Type.Number(),
  cached: Type.Boolean(),
});
export type SearchResponse = Static<typeof SearchResponse>;

export const SimilarParams = Type.Object({ productId: Uuid() }, strict);
export const SimilarQuery = Type.Object(
  {
    in_stock: Type.Optional(Type.Boolean()),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 12 }),
    session_id: Type.Optional(OpaqueId()),
  },
  strict,
);
