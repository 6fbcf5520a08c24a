// Shared by the connector suites: local shops, connectors pointed at them, and the check
// that every document sent was valid Admin API 2025-01 GraphQL.
import { afterAll, afterEach, expect } from 'vitest';
import type { ProductPage } from '../catalog-connector.ts';
import {
  type ShopifyTestServer,
  type ShopifyTestServerOptions,
  startShopifyTestServer,
} from '../testing/index.ts';
import { createShopifyConnector, type ShopifyConnector } from './shopify-connector.ts';

export const EPOCH = Date.parse('2026-01-01T00:00:00Z');
/** Generous enough (Shopify Plus-like) that only the throttling tests ever wait for the bucket. */
const PLUS_BUCKET = { maximumAvailable: 50_000, restoreRate: 5_000 };

/** Registers the suite's hooks; servers and connectors made through it are checked and closed. */
export function useShopifyShops() {
  const servers: ShopifyTestServer[] = [];
  const connectors: ShopifyConnector[] = [];
  afterEach(() => {
    // Every document the connector sent (bulk inner queries too) must be valid Admin 2025-01 GraphQL.
    for (const server of servers) expect(server.validationFailures).toEqual([]);
  });
  afterAll(async () => {
    await Promise.all(connectors.map((connector) => connector.close()));
    await Promise.all(servers.map((server) => server.close()));
  });
  return {
    async shop(options: ShopifyTestServerOptions = {}) {
      const server = await startShopifyTestServer({ throttle: PLUS_BUCKET, bulkDelayMs: 20, ...options });
      servers.push(server);
      return server;
    },
    connect(server: ShopifyTestServer, http: Record<string, unknown> = {}, accessToken = server.accessToken) {
      const connector = createShopifyConnector({
        shop: server.shop,
        accessToken,
        adminOrigin: server.origin,
        http: { allowPrivateNetworks: true, ...http },
        bulkPollIntervalMs: 10,
      });
      connectors.push(connector);
      return connector;
    },
  };
}

export async function collect(pages: AsyncIterable<ProductPage>, stopAfter = Number.POSITIVE_INFINITY) {
  const seen: ProductPage[] = [];
  for await (const page of pages) {
    seen.push(page);
    if (seen.length >= stopAfter) break;
  }
  return {
    pages: seen,
    products: seen.flatMap((page) => page.products),
    rejected: seen.flatMap((page) => page.rejected),
    deleted: seen.flatMap((page) => page.deleted),
  };
}

export const ids = (items: readonly { externalId: string | null }[]) => items.map((item) => item.externalId);
