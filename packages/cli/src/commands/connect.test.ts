// Issue 4's "done when", end to end: the whole platform (gateway, search, sync worker) on the
// tier's database and real ports, a store connected through `nlyzer connect` to a
// Shopify-shaped server, a WooCommerce-shaped server and a Google Merchant feed, and a
// shopper's photo then finds the photographed product through the gateway.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInProcessBus } from '@nlyzer/bus';
import {
  catalogToMerchantXml,
  type ShopifyTestServer,
  startFeedTestServer,
  startShopifyTestServer,
  startWooCommerceTestServer,
  type TestCatalogProduct,
} from '@nlyzer/connectors/testing';
import type { OnboardingView } from '@nlyzer/contracts';
import { migrate } from '@nlyzer/db';
import { generateCatalog, renderProductImage, renderShopperPhoto } from '@nlyzer/demo-catalog';
import { createLogger } from '@nlyzer/service-kit';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../test/capture-io.ts';
import { discoverServices } from '../runtime/discover-services.ts';
import { LOCAL_STORES_ENV, shopifyAppEnv, startLocalPlatform } from '../runtime/local-platform.ts';
import { migrationSets } from '../runtime/migration-sets.ts';
import type { Platform } from '../runtime/platform.ts';
import { connectCommand } from './connect.ts';
import { syncNowCommand } from './sync.ts';

const products = generateCatalog({ products: 6, seed: 11 });
const SOUGHT = 3;
const SHOP_ORIGIN = 'https://shop.example';
const photos: Buffer[] = [];
let shopperPhoto: Buffer;

let database: TestDatabase;
let dataDir: string;
let platform: Platform;
let gateway: string;
let shopify: ShopifyTestServer;
const closers: (() => Promise<void>)[] = [];
const logger = createLogger({ service: 'test', level: 'silent' });

/** The demo products as the WooCommerce and feed test servers list them, one photo each. */
const testCatalog: TestCatalogProduct[] = products.map((product, index) => ({
  id: index + 1,
  title: product.title,
  description: product.description,
  price: (product.price.amountMinor / 100).toFixed(2),
  categories: [product.category],
  brand: null,
  inStock: true,
  images: 1,
  variants: [],
  modifiedAt: new Date(Date.UTC(2026, 9, 1, 0, index)).toISOString(),
}));

async function api<T>(method: string, path: string, token: string | null, body?: unknown, headers = {}) {
  const response = await fetch(new URL(path, gateway), {
    method,
    headers: {
      ...headers,
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as T };
}

let stores = 0;
async function signUp(): Promise<string> {
  stores++;
  const { status, body } = await api<{ session: { token: string } }>('POST', '/v1/signup', null, {
    email: `merchant${stores}@shop.example`,
    password: 'a long test passphrase',
    company: `Shop ${stores}`,
    tier: 'growth',
  });
  expect(status).toBe(201);
  return body.session.token;
}

/** What a shopper on the store's page gets for a photo of the sought product. */
async function searchTitles(token: string): Promise<string[]> {
  const key = await api<{ key: string }>('POST', '/v1/widget-keys', token, {
    allowed_origins: [SHOP_ORIGIN],
  });
  expect(key.status).toBe(201);
  const widget = await fetch(new URL('/v1/widget/token', gateway), {
    method: 'POST',
    headers: { 'x-widget-key': key.body.key, origin: SHOP_ORIGIN },
  });
  const { token: widgetToken } = (await widget.json()) as { token: string };
  const search = await fetch(new URL('/v1/search/image?limit=3', gateway), {
    method: 'POST',
    headers: { authorization: `Bearer ${widgetToken}`, origin: SHOP_ORIGIN, 'content-type': 'image/jpeg' },
    body: shopperPhoto,
  });
  expect(search.status).toBe(200);
  const { results } = (await search.json()) as { results: { title: string }[] };
  return results.map((result) => result.title);
}

beforeAll(async () => {
  for (const product of products) photos.push(await renderProductImage(product, 0, { size: 320 }));
  shopperPhoto = await renderShopperPhoto(products[SOUGHT]!, { seed: 5, difficulty: 'easy' });

  shopify = await startShopifyTestServer({
    products: products.map((product, index) => ({
      title: product.title,
      descriptionHtml: `<p>${product.description}</p>`,
      productType: product.category,
      variants: [{ price: testCatalog[index]!.price, inventoryQuantity: 5 }],
      images: [{ width: 320, height: 320 }],
    })),
    image: async (productIndex) => photos[productIndex]!,
  });
  closers.push(() => shopify.close());

  dataDir = await mkdtemp(path.join(tmpdir(), 'nlyzer-connect-test-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  database = await testDatabase();
  const { services } = await discoverServices();
  await migrate(database.db, [...migrationSets(services).values()]);
  ({ platform, gateway } = await startLocalPlatform({
    services,
    db: database.db,
    logger,
    bus: createInProcessBus({ redeliveryDelayMs: 20 }),
    env: {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      // Search keeps its vector index snapshots under the data directory.
      NLYZER_DATA_DIR: dataDir,
      ...shopifyAppEnv(shopify),
      ...LOCAL_STORES_ENV,
    },
  }));
}, 120_000);

afterAll(async () => {
  await platform?.shutdown({ timeoutMs: 10_000 });
  for (const close of closers) await close();
  await database?.cleanup();
});

describe('nlyzer connect, end to end', () => {
  it('connects a Shopify shop through the OAuth install and makes its products searchable', async () => {
    const token = await signUp();
    const io = captureIo();
    const connecting = connectCommand(
      'shopify',
      { shop: shopify.shop, apiKey: token, gateway, wait: true },
      {},
      io,
    );
    // The merchant opens the printed link; the shop approves and redirects to the callback.
    const authorizeUrl = await until(() => io.out().match(/https?:\/\/\S+\/admin\/oauth\/authorize\S*/)?.[0]);
    const approval = await fetch(authorizeUrl, { redirect: 'manual' });
    const landed = await fetch(approval.headers.get('location')!, { redirect: 'manual' });
    expect(landed.status).toBe(302);

    expect(await connecting).toBe(0);
    expect(io.out()).toMatch(/imported 6 products \(0 refused\), indexed 6/);
    expect(await searchTitles(token)).toContain(products[SOUGHT]!.title);
    expect(shopify.validationFailures).toEqual([]);

    // Afterwards the store stays fresh: a changed title arrives with "sync now".
    const [changed] = shopify.touch(1);
    const sync = captureIo();
    expect(await syncNowCommand({ apiKey: token, gateway, wait: true }, {}, sync)).toBe(0);
    expect(sync.out()).toMatch(/succeeded in [\d.]+ s: 0 added, 1 updated, 0 deleted/);
    expect(changed).toBeDefined();
  });

  it('connects a WooCommerce site with REST keys', async () => {
    const woo = await startWooCommerceTestServer({
      products: testCatalog,
      consumerKey: 'ck_0123456789abcdef0123',
      consumerSecret: 'cs_0123456789abcdef0123',
      image: (productIndex) => photos[productIndex]!,
    });
    closers.push(() => woo.close());
    const token = await signUp();
    const io = captureIo();
    const options = {
      storeUrl: woo.origin,
      consumerKey: 'ck_0123456789abcdef0123',
      consumerSecret: 'cs_0123456789abcdef0123',
      apiKey: token,
      gateway,
      wait: true,
    };
    expect(await connectCommand('woocommerce', options, {}, io)).toBe(0);
    expect(io.out()).toMatch(/imported 6 products \(0 refused\), indexed 6/);
    expect(woo.webhooks.map((webhook) => webhook.topic).sort()).toEqual([
      'product.created',
      'product.deleted',
      'product.updated',
    ]);
    expect(await searchTitles(token)).toContain(products[SOUGHT]!.title);
  });

  it('connects a Google Merchant feed and reports its onboarding', async () => {
    const feed = await startFeedTestServer({ image: (productIndex) => photos[productIndex]! });
    closers.push(() => feed.close());
    feed.setFile('/feed.xml', {
      body: catalogToMerchantXml(testCatalog, 'USD', feed.origin),
      contentType: 'application/xml',
    });
    const token = await signUp();
    const io = captureIo();
    const options = { feedUrl: feed.url('/feed.xml'), apiKey: token, gateway, wait: true };
    expect(await connectCommand('feed', options, {}, io)).toBe(0);
    expect(io.out()).toMatch(/imported 6 products \(0 refused\), indexed 6/);
    expect(await searchTitles(token)).toContain(products[SOUGHT]!.title);

    const { body: onboarding } = await api<OnboardingView>('GET', '/v1/onboarding', token);
    expect(onboarding.platform).toBe('custom');
    expect(onboarding.quality?.products).toBe(6);
    // Bad input to the connection API is refused with a problem, never a 500.
    const refused = await api<{ title: string }>('PUT', '/v1/connection', token, {
      platform: 'custom',
      feed_url: 'not a url',
    });
    expect(refused.status).toBe(400);
  });

  it('checks its arguments before calling the gateway', async () => {
    const io = captureIo();
    await expect(connectCommand('feed', { apiKey: 'x', gateway, wait: false }, {}, io)).rejects.toThrow(
      /feed needs --feed-url/,
    );
    await expect(connectCommand('magento', { apiKey: 'x', gateway, wait: false }, {}, io)).rejects.toThrow(
      /platform must be one of/,
    );
  });
});

async function until<T>(probe: () => T | undefined, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
