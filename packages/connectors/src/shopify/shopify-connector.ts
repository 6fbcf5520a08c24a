import type { CatalogConnector, FetchOptions, ProductPage, StoreIdentity } from '../catalog-connector.ts';
import { ConnectorError } from '../connector-error.ts';
import { createPlatformHttp, type PlatformHttpOptions } from '../platform-http.ts';
import { createShopifyAdminClient, type ShopifyAdminClient } from './shopify-admin-client.ts';
import { bulkProductPages, parseBulkCursor } from './shopify-bulk-products.ts';
import { shopifyAdminOrigin } from './shopify-oauth.ts';
import { shopifyProduct } from './shopify-product.ts';
import {
  PRODUCTS_COUNT_QUERY,
  PRODUCTS_PAGE_QUERY,
  PRODUCTS_PER_REQUEST,
  type ProductNode,
  SHOP_QUERY,
  WEBHOOK_CREATE_MUTATION,
  WEBHOOK_TOPICS,
} from './shopify-product-documents.ts';

/**
 * Above this many changed products an incremental sync also goes through a bulk operation:
 * paging costs about 16 query points per product, so thousands of them would spend
 * minutes waiting for the cost bucket, while a bulk query costs 10 points whatever its size.
 */
export const INCREMENTAL_BULK_THRESHOLD = 1_000;

export interface ShopifyConnectorOptions {
  shop: string;
  accessToken: string;
  adminOrigin?: string;
  http?: PlatformHttpOptions;
  /** First wait between polls of a bulk operation (tests shorten it). */
  bulkPollIntervalMs?: number;
}

export type ShopifyConnector = CatalogConnector & {
  /** Subscribes the app to product changes and its own uninstall, delivered to `callbackUrl`. */
  registerWebhooks(callbackUrl: string): Promise<void>;
  close(): Promise<void>;
};

const PAGE_CURSOR = 'page:';

/**
 * Shopify's search syntax for "changed since". Shopify keeps `updated_at` in whole seconds,
 * so the bound is rounded down and inclusive: a product changed in the same second as the
 * last sync started comes again (and is found unchanged) rather than being missed.
 */
export const updatedSinceFilter = (since: Date) =>
  `updated_at:>='${new Date(Math.floor(since.getTime() / 1000) * 1000).toISOString().replace('.000Z', 'Z')}'`;

/**
 * One shop through the GraphQL Admin API. A full sync (or an incremental one with too many
 * changes) runs a bulk operation; a small incremental one pages `products` sorted by
 * `updated_at`. Both resume from a page's cursor.
 */
export function createShopifyConnector(options: ShopifyConnectorOptions): ShopifyConnector {
  const http = createPlatformHttp(options.http);
  const client = createShopifyAdminClient({
    origin: shopifyAdminOrigin(options.shop, options.adminOrigin),
    accessToken: options.accessToken,
    http,
  });
  const pollIntervalMs = options.bulkPollIntervalMs ?? 1_000;

  async function verify(signal?: AbortSignal): Promise<StoreIdentity> {
    const { shop } = await client.graphql<{
      shop: { name: string; currencyCode: string; myshopifyDomain: string; primaryDomain: { url: string } };
    }>(SHOP_QUERY, {}, signal);
    return { storefrontUrl: shop.primaryDomain.url, name: shop.name, currency: shop.currencyCode };
  }

  async function* fetchProducts(fetch: FetchOptions): AsyncGenerator<ProductPage> {
    const filter =
      fetch.mode === 'incremental' && fetch.since !== null ? updatedSinceFilter(fetch.since) : null;
    const signal = fetch.signal;
    const bulkResume = fetch.cursor === null ? null : parseBulkCursor(fetch.cursor);
    if (fetch.cursor !== null && bulkResume === null && !fetch.cursor.startsWith(PAGE_CURSOR)) {
      throw new ConnectorError('invalid_platform_response', `"${fetch.cursor}" is not a Shopify sync cursor`);
    }
    const base = { client, http, filter, pollIntervalMs, ...(signal === undefined ? {} : { signal }) };
    if (filter === null || bulkResume !== null) {
      yield* bulkProductPages({ ...base, resume: bulkResume });
      return;
    }
    const { productsCount } = await client.graphql<{ productsCount: { count: number } | null }>(
      PRODUCTS_COUNT_QUERY,
      { query: filter },
      signal,
    );
    const total = productsCount?.count ?? null;
    if (fetch.cursor === null && total !== null && total > INCREMENTAL_BULK_THRESHOLD) {
      yield* bulkProductPages({ ...base, resume: null });
      return;
    }
    yield* productPages(client, filter, fetch.cursor?.slice(PAGE_CURSOR.length) ?? null, total, signal);
  }

  async function registerWebhooks(callbackUrl: string): Promise<void> {
    for (const topic of WEBHOOK_TOPICS) {
      const { webhookSubscriptionCreate: answer } = await client.graphql<{
        webhookSubscriptionCreate: { userErrors: { field: string[] | null; message: string }[] } | null;
      }>(WEBHOOK_CREATE_MUTATION, { topic, callbackUrl });
      const errors = answer?.userErrors ?? [];
      // Registering again after a reinstall finds the subscription already there: that is success.
      const fatal = errors.filter((error) => !/already been taken|already exists/i.test(error.message));
      if (fatal.length > 0) {
        throw new ConnectorError(
          'invalid_platform_response',
          `Shopify refused the ${topic} webhook: ${fatal.map((error) => error.message).join('; ')}`,
        );
      }
    }
  }

  return { platform: 'shopify', verify, fetchProducts, registerWebhooks, close: () => http.close() };
}

/** Changed products page by page, oldest change first; each page's cursor is Shopify's end cursor. */
async function* productPages(
  client: ShopifyAdminClient,
  filter: string,
  after: string | null,
  total: number | null,
  signal: AbortSignal | undefined,
): AsyncGenerator<ProductPage> {
  let cursor = after;
  for (;;) {
    const { products } = await client.graphql<{
      products: {
        pageInfo: { hasNextPage: boolean; endCursor: string | null };
        nodes: (Omit<ProductNode, 'media' | 'variants'> & {
          media: { nodes: ProductNode['media'] };
          variants: { nodes: ProductNode['variants'] };
        })[];
      };
    }>(PRODUCTS_PAGE_QUERY, { first: PRODUCTS_PER_REQUEST, after: cursor, query: filter }, signal);
    const page: ProductPage = { products: [], rejected: [], deleted: [], cursor: null, total };
    for (const node of products.nodes) {
      const outcome = shopifyProduct({ ...node, media: node.media.nodes, variants: node.variants.nodes });
      if (outcome.kind === 'product') page.products.push(outcome.product);
      else if (outcome.kind === 'rejected') page.rejected.push(outcome.rejected);
      else page.deleted.push(outcome.deletion);
    }
    const more = products.pageInfo.hasNextPage && products.pageInfo.endCursor !== null;
    page.cursor = more ? `${PAGE_CURSOR}${products.pageInfo.endCursor}` : null;
    yield page;
    if (!more) return;
    cursor = products.pageInfo.endCursor;
  }
}
