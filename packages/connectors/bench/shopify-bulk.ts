// Products per second the Shopify connector reads from the local Shopify-shaped server:
// a full sync through a bulk operation, and incremental paging (unthrottled, then under a
// Shopify Plus cost bucket). Prints one JSON line.
//   pnpm --filter @nlyzer/connectors exec node bench/shopify-bulk.ts [products]
import { createShopifyConnector, type FetchOptions } from '../src/index.ts';
import { startShopifyTestServer } from '../src/testing/index.ts';

const products = Number(process.argv[2] ?? 10_000);
const PAGED = 1_000;

async function measure(
  throttle: { maximumAvailable: number; restoreRate: number },
  count: number,
  fetch: FetchOptions,
): Promise<Record<string, number>> {
  const server = await startShopifyTestServer({ products: count, throttle, bulkDelayMs: 0 });
  const connector = createShopifyConnector({
    shop: server.shop,
    accessToken: server.accessToken,
    adminOrigin: server.origin,
    http: { allowPrivateNetworks: true },
    bulkPollIntervalMs: 50,
  });
  const started = performance.now();
  let seen = 0;
  let rss = 0;
  for await (const page of connector.fetchProducts(fetch)) {
    seen += page.products.length + page.rejected.length + page.deleted.length;
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  await connector.close();
  await server.close();
  if (server.validationFailures.length > 0) throw new Error('the connector sent invalid GraphQL');
  const result: Record<string, number> = {
    products: seen,
    seconds: round(seconds),
    per_s: Math.round(seen / seconds),
    rss_mb: Math.round(rss / 2 ** 20),
  };
  const operation = server.bulkOperations[0];
  if (operation?.completedAt) {
    // The server's side (Shopify runs the query) apart from the connector's (download and parse).
    const operationSeconds = (Date.parse(operation.completedAt) - Date.parse(operation.createdAt)) / 1000;
    result.operation_s = round(operationSeconds);
    result.stream_per_s = Math.round(seen / (seconds - operationSeconds));
  }
  return result;
}

const round = (value: number) => Math.round(value * 100) / 100;
const unlimited = { maximumAvailable: 1_000_000, restoreRate: 1_000_000 };
const incremental: FetchOptions = {
  mode: 'incremental',
  since: new Date('2025-01-01T00:00:00Z'),
  cursor: null,
};

const bulk = await measure(unlimited, products, { mode: 'full', since: null, cursor: null });
const paged = await measure(unlimited, PAGED, incremental);
const pagedPlus = await measure({ maximumAvailable: 10_000, restoreRate: 1_000 }, PAGED, incremental);
console.log(
  JSON.stringify({
    bench: 'shopify-connector',
    bulk,
    paged_unthrottled: paged,
    paged_plus_bucket: pagedPlus,
  }),
);
