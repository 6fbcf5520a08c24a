// Products per second the WooCommerce and feed connectors read from local servers: a full
// WooCommerce sync over wc/v3 (every 10th product variable, so its variations are fetched
// too) and the same catalog as a JSON, CSV and Google Merchant XML feed. Prints one JSON line.
//   pnpm --filter @nlyzer/connectors exec node bench/woocommerce-and-feeds.ts [products]
import { type CatalogConnector, createFeedConnector, createWooCommerceConnector } from '../src/index.ts';
import {
  catalogToCsvFeed,
  catalogToJsonFeed,
  catalogToMerchantXml,
  makeTestCatalog,
  startFeedTestServer,
  startWooCommerceTestServer,
} from '../src/testing/index.ts';

const count = Number(process.argv[2] ?? 10_000);
const catalog = makeTestCatalog(count, { variantsEvery: 10 });

async function measure(connector: CatalogConnector & { close(): Promise<void> }) {
  const started = performance.now();
  let seen = 0;
  let rss = 0;
  for await (const page of connector.fetchProducts({ mode: 'full', since: null, cursor: null })) {
    seen += page.products.length + page.rejected.length;
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  const seconds = (performance.now() - started) / 1000;
  await connector.close();
  if (seen !== count) throw new Error(`read ${seen} products of ${count}`);
  return {
    products: seen,
    seconds: Math.round(seconds * 100) / 100,
    per_s: Math.round(seen / seconds),
    rss_mb: Math.round(rss / 2 ** 20),
  };
}

const credentials = { consumerKey: 'ck_bench', consumerSecret: 'cs_bench' };
const woo = await startWooCommerceTestServer({ products: catalog, ...credentials });
const woocommerce = await measure(
  createWooCommerceConnector({ storeUrl: woo.origin, ...credentials, http: { allowPrivateNetworks: true } }),
);
await woo.close();

const feeds = await startFeedTestServer();
const results: Record<string, Awaited<ReturnType<typeof measure>> & { feed_mb: number }> = {};
for (const [format, write] of Object.entries({
  json: catalogToJsonFeed,
  csv: catalogToCsvFeed,
  xml: catalogToMerchantXml,
})) {
  const body = write(catalog, 'USD', feeds.origin);
  feeds.setFile(`/feed.${format}`, { body, contentType: null });
  const connector = createFeedConnector({
    url: feeds.url(`/feed.${format}`),
    http: { allowPrivateNetworks: true },
  });
  results[format] = {
    ...(await measure(connector)),
    feed_mb: Math.round(Buffer.byteLength(body) / 2 ** 17) / 8,
  };
}
await feeds.close();

console.log(
  JSON.stringify({
    bench: 'woocommerce-and-feed-connectors',
    products: count,
    woocommerce_full: woocommerce,
    feed_json: results.json,
    feed_csv: results.csv,
    feed_xml: results.xml,
  }),
);
