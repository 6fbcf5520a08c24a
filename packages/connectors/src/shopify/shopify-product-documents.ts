// The GraphQL documents the connector sends, written against Admin API 2025-01 (the test
// server validates every one against that schema). The paginated and the bulk query select
// the same product fields, so both paths feed one normaliser and a product reads the same
// whichever path fetched it.

/** Variants kept per product, in both paths: enough for prices and options, cheap in query cost. */
export const VARIANTS_PER_PRODUCT = 10;
/** Images fetched per product: the sync keeps at most this many (SYNC_LIMITS.imagesPerProduct). */
export const MEDIA_PER_PRODUCT = 10;
/**
 * Products per paginated request: with the selection below each product costs 48 points
 * requested (2 + 10 × 2 for media, 2 + 10 × 2 for variants, 4 for the product's objects),
 * so 20 keep a request under Shopify's 1,000-point ceiling for a single query.
 */
export const PRODUCTS_PER_REQUEST = 20;

const PRODUCT_FIELDS = `id title handle descriptionHtml onlineStoreUrl productType tags status updatedAt
  mediaCount { count }
  priceRangeV2 { minVariantPrice { amount currencyCode } }`;
const MEDIA_FIELDS = 'mediaContentType ... on MediaImage { id alt image { url width height } }';
const VARIANT_FIELDS =
  'id title sku price availableForSale inventoryPolicy inventoryQuantity selectedOptions { name value }';
const IMAGES_ONLY = '"media_type:IMAGE"';

export const SHOP_QUERY = `query ShopIdentity {
  shop { name currencyCode myshopifyDomain primaryDomain { url } }
}`;

export const PRODUCTS_COUNT_QUERY = `query SyncProductsCount($query: String) {
  productsCount(query: $query, limit: null) { count }
}`;

export const PRODUCTS_PAGE_QUERY = `query SyncProductsPage($first: Int!, $after: String, $query: String) {
  products(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      ${PRODUCT_FIELDS}
      media(first: ${MEDIA_PER_PRODUCT}, query: ${IMAGES_ONLY}) { nodes { ${MEDIA_FIELDS} } }
      variants(first: ${VARIANTS_PER_PRODUCT}) { nodes { ${VARIANT_FIELDS} } }
    }
  }
}`;

/**
 * The query a bulk operation runs: connections take no page size there (Shopify returns
 * every node) and each nested node becomes its own JSONL line carrying `__parentId`.
 */
export function bulkProductsQuery(filter: string | null): string {
  const args = filter === null ? '' : `(query: ${JSON.stringify(filter)})`;
  return `{
  products${args} {
    edges { node {
      ${PRODUCT_FIELDS}
      media(query: ${IMAGES_ONLY}) { edges { node { ${MEDIA_FIELDS} } } }
      variants { edges { node { ${VARIANT_FIELDS} } } }
    } }
  }
}`;
}

const BULK_OPERATION_FIELDS = 'id status errorCode url rootObjectCount objectCount';

export const BULK_RUN_MUTATION = `mutation SyncBulkProducts($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { ${BULK_OPERATION_FIELDS} query }
    userErrors { code field message }
  }
}`;

export const BULK_OPERATION_QUERY = `query SyncBulkOperation($id: ID!) {
  node(id: $id) { ... on BulkOperation { ${BULK_OPERATION_FIELDS} query } }
}`;

export const CURRENT_BULK_OPERATION_QUERY = `query SyncCurrentBulkOperation {
  currentBulkOperation(type: QUERY) { ${BULK_OPERATION_FIELDS} query }
}`;

export const WEBHOOK_CREATE_MUTATION = `mutation SyncWebhookCreate($topic: WebhookSubscriptionTopic!, $callbackUrl: URL!) {
  webhookSubscriptionCreate(topic: $topic, webhookSubscription: { callbackUrl: $callbackUrl, format: JSON }) {
    webhookSubscription { id topic }
    userErrors { field message }
  }
}`;

export const WEBHOOK_TOPICS = [
  'PRODUCTS_CREATE',
  'PRODUCTS_UPDATE',
  'PRODUCTS_DELETE',
  'APP_UNINSTALLED',
] as const;

/** A product as both paths deliver it (the bulk path gathers media and variants from child lines). */
export interface ProductNode {
  id?: string | null;
  title?: string | null;
  handle?: string | null;
  descriptionHtml?: string | null;
  onlineStoreUrl?: string | null;
  productType?: string | null;
  tags?: string[] | null;
  status?: string | null;
  updatedAt?: string | null;
  mediaCount?: { count: number } | null;
  priceRangeV2?: { minVariantPrice: { amount: string; currencyCode: string } } | null;
  media: MediaNode[];
  variants: VariantNode[];
}

export interface MediaNode {
  mediaContentType?: string;
  id?: string;
  alt?: string | null;
  image?: { url: string; width?: number | null; height?: number | null } | null;
}

export interface VariantNode {
  id?: string | null;
  title?: string | null;
  sku?: string | null;
  price?: string | null;
  availableForSale?: boolean;
  inventoryPolicy?: string;
  inventoryQuantity?: number | null;
  selectedOptions?: { name: string; value: string }[];
}
