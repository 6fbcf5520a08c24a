import { beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '../connector-error.ts';
import type { ShopifyTestServer } from '../testing/index.ts';
import { collect, EPOCH, ids, useShopifyShops } from './shopify-connector-harness.ts';

const { shop, connect } = useShopifyShops();

describe('Shopify connector: verify and webhooks', () => {
  let server: ShopifyTestServer;
  beforeAll(async () => {
    server = await shop({ products: 3, currency: 'JPY', shopName: 'Kyoto Knits' });
  });

  it('reads who the shop is with one cheap query', async () => {
    expect(await connect(server).verify()).toEqual({
      storefrontUrl: server.storefrontUrl,
      name: 'Kyoto Knits',
      currency: 'JPY',
    });
  });

  it('turns refused credentials into platform_auth_failed, without retrying', async () => {
    await expect(connect(server, {}, 'shpat_revoked').verify()).rejects.toSatisfy(
      (err) => isConnectorError(err) && err.code === 'platform_auth_failed' && !err.retryable,
    );
    server.failNext({ status: 403 });
    await expect(connect(server).verify()).rejects.toSatisfy(
      (err) => isConnectorError(err) && err.code === 'platform_auth_failed',
    );
  });

  it('honours Retry-After on 429 and retries 503', async () => {
    const waits: number[] = [];
    const connector = connect(server, { sleep: async (ms: number) => void waits.push(ms) });
    server.failNext({ status: 429, retryAfter: '2' });
    server.failNext({ status: 503 });
    expect((await connector.verify()).name).toBe('Kyoto Knits');
    expect(waits[0]).toBe(2000);
    expect(waits).toHaveLength(2);
  });

  it('gives up with platform_rate_limited when 429s do not stop', async () => {
    const connector = connect(server, { sleep: async () => {}, maxRetries: 2 });
    server.failNext({ status: 429, retryAfter: '1' }, 3);
    await expect(connector.verify()).rejects.toSatisfy(
      (err) => isConnectorError(err) && err.code === 'platform_rate_limited' && err.retryable,
    );
  });

  it('prices in the minor units of the shop currency: whole yen, the lowest variant', async () => {
    const yen = await shop({
      currency: 'JPY',
      products: [
        {
          variants: [
            { price: '1500.0', options: { Size: 'S' } },
            { price: '1200', options: { Size: 'M' } },
          ],
        },
      ],
    });
    const { products } = await collect(
      connect(yen).fetchProducts({ mode: 'full', since: null, cursor: null }),
    );
    expect(products[0]?.price).toEqual({ amountMinor: 1200, currency: 'JPY' });
    expect(products[0]?.variants.map((variant) => variant.price?.amountMinor)).toEqual([1500, 1200]);
  });

  it('subscribes to product changes and uninstall, once however often it is asked', async () => {
    const connector = connect(server);
    await connector.registerWebhooks('https://api.nlyzer.test/v1/webhooks/shopify');
    await connector.registerWebhooks('https://api.nlyzer.test/v1/webhooks/shopify');
    expect(server.webhookSubscriptions.map((subscription) => subscription.topic).sort()).toEqual([
      'APP_UNINSTALLED',
      'PRODUCTS_CREATE',
      'PRODUCTS_DELETE',
      'PRODUCTS_UPDATE',
    ]);
    expect(server.webhookSubscriptions.every((subscription) => subscription.format === 'JSON')).toBe(true);
  });
});

describe('Shopify connector: incremental pages', () => {
  let server: ShopifyTestServer;
  beforeAll(async () => {
    server = await shop({ products: 1000 });
  });
  // Products are updated one second apart from EPOCH: these 300 changed since.
  const since = new Date(EPOCH + 700_000);

  it('pages through every product changed since, oldest change first, with exact counts', async () => {
    const before = server.bulkOperations.length;
    const { pages, products } = await collect(
      connect(server).fetchProducts({ mode: 'incremental', since, cursor: null }),
    );
    expect(products).toHaveLength(300);
    expect(new Set(ids(products)).size).toBe(300);
    expect(pages.every((page) => page.products.length <= 20 && page.total === 300)).toBe(true);
    expect(pages.at(-1)?.cursor).toBeNull();
    expect(pages.slice(0, -1).every((page) => page.cursor?.startsWith('page:'))).toBe(true);
    const updated = products.map((product) => product.updatedAt ?? '');
    expect(updated).toEqual([...updated].sort());
    expect(server.bulkOperations.length).toBe(before);
    expect(server.graphqlRequests.some((request) => request.throttled)).toBe(false);
  });

  it('resumes after the page a caller committed, losing and repeating nothing', async () => {
    const connector = connect(server);
    const head = await collect(connector.fetchProducts({ mode: 'incremental', since, cursor: null }), 4);
    const tail = await collect(
      connector.fetchProducts({ mode: 'incremental', since, cursor: head.pages.at(-1)?.cursor ?? null }),
    );
    const all = [...ids(head.products), ...ids(tail.products)];
    expect(all).toHaveLength(300);
    expect(new Set(all).size).toBe(300);
  });

  it('finds exactly the products touched since the last sync', async () => {
    const last = new Date();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const touched = server.touch(7);
    const { products } = await collect(
      connect(server).fetchProducts({ mode: 'incremental', since: last, cursor: null }),
    );
    expect(ids(products).sort()).toEqual(
      touched.map((product) => `gid://shopify/Product/${product.id}`).sort(),
    );
    expect(products.every((product) => / \(rev \d+\)$/.test(product.title))).toBe(true);
  });

  it('switches to a bulk operation when too many products changed to page through cheaply', async () => {
    const big = await shop({ products: 1_200 });
    const { products } = await collect(
      connect(big).fetchProducts({ mode: 'incremental', since: new Date(EPOCH - 1000), cursor: null }),
    );
    expect(products).toHaveLength(1_200);
    expect(big.bulkOperations).toHaveLength(1);
    expect(big.bulkOperations[0]?.query).toContain("updated_at:>='2025-12-31T23:59:59Z'");
  });
});

describe('Shopify connector: cost-based throttling', () => {
  it('waits for the bucket to refill instead of being throttled', async () => {
    const server = await shop({ products: 100, throttle: { maximumAvailable: 1000, restoreRate: 400 } });
    const started = Date.now();
    const { products } = await collect(
      connect(server).fetchProducts({ mode: 'incremental', since: new Date(EPOCH - 1000), cursor: null }),
    );
    const elapsed = Date.now() - started;
    expect(products).toHaveLength(100);
    const pages = server.graphqlRequests.filter((request) => request.operationName === 'SyncProductsPage');
    expect(pages).toHaveLength(5);
    expect(server.graphqlRequests.some((request) => request.throttled)).toBe(false);
    // Before each page after the first the bucket must hold the page's requested cost again:
    // the time the points it did not have take to restore at 400 per second.
    const requested = pages[0]?.requestedQueryCost ?? 0;
    let available = 1000 - 1; // the count query
    let refill = 0;
    for (const page of pages) {
      if (available < requested) {
        refill += requested - available;
        available = requested;
      }
      available -= page.actualQueryCost ?? 0;
    }
    expect(elapsed).toBeGreaterThanOrEqual((refill / 400) * 1000 * 0.9);
    expect(elapsed).toBeLessThan((refill / 400) * 1000 + 3000);
  });

  it('retries a THROTTLED answer after the refill it needs, and never passes it on', async () => {
    const server = await shop({ products: 30, throttle: { maximumAvailable: 1000, restoreRate: 1000 } });
    server.setThrottle({ currentlyAvailable: 0 });
    const started = Date.now();
    const { products } = await collect(
      connect(server).fetchProducts({ mode: 'incremental', since: new Date(EPOCH - 1000), cursor: null }),
    );
    expect(products).toHaveLength(30);
    expect(server.graphqlRequests.filter((request) => request.throttled).length).toBeGreaterThanOrEqual(1);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('fails with platform_rate_limited when the bucket never refills', async () => {
    const server = await shop({ products: 30, throttle: { maximumAvailable: 1000, restoreRate: 0.001 } });
    server.setThrottle({ currentlyAvailable: 0 });
    const pages = connect(server).fetchProducts({
      mode: 'incremental',
      since: new Date(EPOCH - 1000),
      cursor: null,
    });
    await expect(collect(pages)).rejects.toSatisfy(
      (err) => isConnectorError(err) && err.code === 'platform_rate_limited' && err.retryable,
    );
  });
});
