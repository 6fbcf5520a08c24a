import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductPage, WebhookDelivery } from '../catalog-connector.ts';
import { ConnectorError } from '../connector-error.ts';
import type { PlatformHttpOptions } from '../platform-http.ts';
import {
  makeTestCatalog,
  startWooCommerceTestServer,
  type TestCatalogProduct,
  type WooCommerceRecordedResponse,
  type WooCommerceTestServer,
} from '../testing/index.ts';
import { isWebhookVerificationError } from '../webhook-verification-error.ts';
import { createWcOpenApiValidator } from './wc-openapi-validator.test-helper.ts';
import { authenticate } from './woocommerce-auth.ts';
import {
  createWooCommerceConnector,
  hasNextPage,
  type WooCommerceConnector,
} from './woocommerce-connector.ts';
import { verifyWooCommerceWebhook } from './woocommerce-webhook.ts';

const credentials = { consumerKey: 'ck_test', consumerSecret: 'cs_test' };
/** Every response any test server sent, checked against the OpenAPI document at the end. */
const recorded: WooCommerceRecordedResponse[][] = [];
const closers: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

async function startServer(products: readonly TestCatalogProduct[]): Promise<WooCommerceTestServer> {
  const server = await startWooCommerceTestServer({ products, ...credentials, perPageMax: 100 });
  recorded.push(server.responses);
  closers.push(() => server.close());
  return server;
}

function connectorFor(storeUrl: string, http: PlatformHttpOptions = {}, secret = credentials.consumerSecret) {
  const waits: number[] = [];
  const connector = createWooCommerceConnector({
    storeUrl,
    consumerKey: credentials.consumerKey,
    consumerSecret: secret,
    http: {
      allowPrivateNetworks: true,
      sleep: async (ms) => {
        waits.push(ms);
      },
      ...http,
    },
  });
  closers.push(() => connector.close());
  return { connector, waits };
}

async function allPages(
  connector: WooCommerceConnector,
  options: Partial<Parameters<WooCommerceConnector['fetchProducts']>[0]> = {},
) {
  const pages: ProductPage[] = [];
  for await (const page of connector.fetchProducts({ mode: 'full', since: null, cursor: null, ...options })) {
    pages.push(page);
  }
  return pages;
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(err)}`);
  return err;
}

describe('WooCommerce connector against the local wc/v3 server', () => {
  const catalog = makeTestCatalog(250, { variantsEvery: 10 });
  let server: WooCommerceTestServer;
  let connector: WooCommerceConnector;
  let waits: number[];

  beforeAll(async () => {
    server = await startServer(catalog);
    ({ connector, waits } = connectorFor(server.origin));
  });

  it('verifies the keys and reads the storefront and currency from system_status', async () => {
    await expect(connector.verify()).resolves.toEqual({
      storefrontUrl: `${server.origin}/`,
      name: null,
      currency: 'USD',
    });
  });

  it('pages through every product by id with exact counts, folding variations into variants', async () => {
    server.requests.length = 0;
    const pages = await allPages(connector);
    expect(pages.map((page) => page.products.length)).toEqual([100, 100, 50]);
    expect(pages.map((page) => page.cursor)).toEqual(['2', '3', null]);
    expect(pages.map((page) => page.total)).toEqual([250, 250, 250]);
    const ids = pages.flatMap((page) => page.products.map((product) => product.externalId));
    expect(new Set(ids).size).toBe(250);
    expect(ids[0]).toBe('1');
    const productRequests = server.requests.filter((request) => request.path === '/products');
    expect(productRequests.map((request) => request.query.page)).toEqual(['1', '2', '3']);
    expect(productRequests[0]?.query).toMatchObject({
      per_page: '100',
      orderby: 'id',
      order: 'asc',
      status: 'any',
    });
    expect(server.requests.filter((request) => request.path.endsWith('/variations'))).toHaveLength(25);

    const simple = pages[0]?.products[0];
    expect(simple).toMatchObject({
      externalId: '1',
      title: 'Dresse number 1',
      description: 'A dresses item & catalog entry 1.',
      url: `${server.origin}/product/1/`,
      price: { amountMinor: 1000, currency: 'USD' },
      availability: 'out_of_stock',
      categories: ['Dresses'],
      tags: ['Brand 0'],
      variants: [],
      updatedAt: '2026-10-01T00:00:00.000Z',
    });
    expect(simple?.images.map((image) => image.url)).toEqual([
      `${server.origin}/wp-content/uploads/p0-0.png`,
      `${server.origin}/wp-content/uploads/p0-1.png`,
    ]);
    const variable = pages[0]?.products.find((product) => product.externalId === '10');
    expect(
      variable?.variants.map((variant) => [variant.title, variant.price?.amountMinor, variant.availability]),
    ).toEqual([
      ['S', 2100, 'in_stock'],
      ['M', 2200, 'in_stock'],
      ['L', 2300, 'out_of_stock'],
    ]);
    expect(variable?.variants[0]?.options).toEqual({ Size: 'S' });
    expect(variable?.price).toEqual({ amountMinor: 2100, currency: 'USD' });
    expect(variable?.availability).toBe('in_stock');
  });

  it('fetches incrementally with modified_after in GMT, oldest change first', async () => {
    server.requests.length = 0;
    const since = new Date(catalog[199]?.modifiedAt as string);
    const pages = await allPages(connector, { mode: 'incremental', since });
    const ids = pages.flatMap((page) => page.products.map((product) => Number(product.externalId)));
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => 201 + i));
    expect(pages[0]?.total).toBe(50);
    expect(server.requests[0]?.query).toMatchObject({
      modified_after: since.toISOString(),
      dates_are_gmt: 'true',
      orderby: 'modified',
      order: 'asc',
    });
  });

  it('sees a product edited after the last sync, and a new one, in the next incremental fetch', async () => {
    const since = new Date(catalog[249]?.modifiedAt as string);
    const later = new Date(since.getTime() + 60_000).toISOString();
    const edited = { ...(catalog[2] as TestCatalogProduct), title: 'Renamed shoe', modifiedAt: later };
    const added = { ...(catalog[0] as TestCatalogProduct), id: 900, title: 'New dress', modifiedAt: later };
    server.upsertProduct(edited);
    server.upsertProduct(added);
    const pages = await allPages(connector, { mode: 'incremental', since });
    expect(
      pages.flatMap((page) => page.products.map((product) => [product.externalId, product.title])),
    ).toEqual([
      ['3', 'Renamed shoe'],
      ['900', 'New dress'],
    ]);
    server.setStatus(900, 'trash');
  });

  it('resumes from a page cursor and reports unpublished products as deleted', async () => {
    server.setStatus(205, 'draft');
    server.setStatus(210, 'private');
    server.setStatus(220, 'trash');
    const pages = await allPages(connector, { cursor: '3' });
    expect(pages).toHaveLength(1);
    expect(pages[0]?.products).toHaveLength(47);
    expect(pages[0]?.deleted).toEqual([{ externalId: '205' }, { externalId: '210' }]);
    expect(pages[0]?.total).toBe(249);
    for (const id of [205, 210, 220]) server.setStatus(id, 'publish');
  });

  it('waits as Retry-After says on 429 and 503, then carries on', async () => {
    waits.length = 0;
    server.failNext({ status: 503, retryAfter: '2' });
    server.failNext({ status: 429, retryAfter: '1', times: 2 });
    const pages = await allPages(connector, { cursor: '3' });
    expect(pages[0]?.products).toHaveLength(50);
    expect(waits).toEqual([2000, 1000, 1000]);
  });

  it('gives up on endless throttling with platform_rate_limited', async () => {
    server.failNext({ status: 429, retryAfter: '1', times: 3 });
    const { connector: impatient, waits: impatientWaits } = connectorFor(server.origin, { maxRetries: 2 });
    expect((await failure(impatient.verify())).code).toBe('platform_rate_limited');
    expect(impatientWaits).toEqual([1000, 1000]);
    await expect(impatient.verify()).resolves.toMatchObject({ currency: 'USD' });
  });

  it('refuses wrong keys with platform_auth_failed', async () => {
    const { connector: wrong } = connectorFor(server.origin, {}, 'cs_wrong');
    const err = await failure(wrong.verify());
    expect(err.code).toBe('platform_auth_failed');
    expect(err.retryable).toBe(false);
    expect(err.message).toContain('woocommerce_rest_cannot_view');
  });

  it('refuses a replayed OAuth nonce, as WooCommerce does', async () => {
    const signed = authenticate('GET', new URL(`${server.origin}/wp-json/wc/v3/system_status`), credentials);
    expect((await fetch(signed.url)).status).toBe(200);
    const replay = await fetch(signed.url);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({ code: 'woocommerce_rest_cannot_view' });
  });

  it('registers the product webhooks once, updating them on a second registration', async () => {
    await connector.registerWebhooks('https://sync.nlyzer.test/v1/webhooks/woocommerce/s1', 'secret-1');
    await connector.registerWebhooks('https://sync.nlyzer.test/v1/webhooks/woocommerce/s1', 'secret-2');
    expect(server.webhooks.map((hook) => [hook.topic, hook.secret, hook.status])).toEqual([
      ['product.created', 'secret-2', 'active'],
      ['product.updated', 'secret-2', 'active'],
      ['product.deleted', 'secret-2', 'active'],
    ]);
  });
});

describe('SSRF: a store URL must be public', () => {
  it('refuses 127.0.0.1, 169.254.169.254 and a hostname resolving to 10.x', async () => {
    const server = await startServer(makeTestCatalog(1));
    const lookup = async () => [{ address: '10.0.0.7', family: 4 }];
    for (const storeUrl of [server.origin, 'http://169.254.169.254', 'https://shop.internal.test']) {
      const { connector } = connectorFor(storeUrl, { allowPrivateNetworks: false, lookup });
      const err = await failure(connector.verify());
      expect(err.code, storeUrl).toBe('platform_unavailable');
      expect(err.message, storeUrl).toContain('not public');
    }
    expect(server.requests).toEqual([]);
  });
});

describe('malformed products', () => {
  it('rejects each bad product with its reason while the rest go through', async () => {
    const [good, noId, absurd, crowded, pagesOnly, noTitle] = makeTestCatalog(6);
    const products = [
      good,
      { ...noId, id: null },
      { ...absurd, price: '99999999999999.00' },
      { ...crowded, images: Array.from({ length: 10_000 }, (_, i) => `https://cdn.example/${i}.jpg`) },
      { ...pagesOnly, images: ['https://shop.example/product.html', 'ftp://cdn.example/a.jpg'] },
      { ...noTitle, title: '   ' },
    ] as TestCatalogProduct[];
    const server = await startServer(products);
    const { connector } = connectorFor(server.origin);
    const [page] = await allPages(connector);
    expect(page?.products.map((product) => [product.externalId, product.images.length])).toEqual([
      ['1', 2],
      ['5', 0],
    ]);
    expect(page?.rejected.map((rejected) => [rejected.externalId, rejected.code])).toEqual([
      [null, 'missing_id'],
      ['3', 'invalid_price'],
      ['4', 'too_many_images'],
      ['6', 'missing_title'],
    ]);
  });
});

describe('WooCommerce webhooks', () => {
  let server: WooCommerceTestServer;
  let receiverUrl: string;
  const received: (WebhookDelivery | { error: string })[] = [];

  beforeAll(async () => {
    const catalog = makeTestCatalog(12, { variantsEvery: 10 });
    server = await startServer(catalog);
    const receiver = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      try {
        received.push(
          verifyWooCommerceWebhook({
            rawBody: Buffer.concat(chunks),
            headers: req.headers,
            secret: 'whsec',
            currency: 'USD',
          }),
        );
        res.writeHead(200).end();
      } catch (err) {
        if (!isWebhookVerificationError(err)) throw err;
        received.push({ error: err.code });
        res.writeHead(err.code === 'payload_invalid' ? 400 : 401).end();
      }
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    closers.push(() => new Promise((resolve) => receiver.close(() => resolve())));
  });

  it('accepts a well-signed update as an upsert of the product', async () => {
    const { status, deliveryId } = await server.sendWebhook('product.updated', 3, receiverUrl, 'whsec');
    expect(status).toBe(200);
    const delivery = received.at(-1) as WebhookDelivery;
    expect(delivery.deliveryId).toBe(deliveryId);
    expect(delivery.topic).toBe('product.updated');
    expect(delivery.change).toMatchObject({
      kind: 'upsert',
      product: { externalId: '3', price: { amountMinor: 1202, currency: 'USD' }, categories: ['Shoes'] },
    });
  });

  it('takes a variable product at its lowest price until the next sync brings variants', async () => {
    await server.sendWebhook('product.created', 10, receiverUrl, 'whsec');
    expect((received.at(-1) as WebhookDelivery).change).toMatchObject({
      kind: 'upsert',
      product: { externalId: '10', price: { amountMinor: 2100 }, variants: [] },
    });
  });

  it('turns deletions and unpublished products into deletes', async () => {
    await server.sendWebhook('product.deleted', 4, receiverUrl, 'whsec');
    expect((received.at(-1) as WebhookDelivery).change).toEqual({
      kind: 'delete',
      deletion: { externalId: '4' },
    });
    server.setStatus(5, 'draft');
    await server.sendWebhook('product.updated', 5, receiverUrl, 'whsec');
    expect((received.at(-1) as WebhookDelivery).change).toEqual({
      kind: 'delete',
      deletion: { externalId: '5' },
    });
  });

  it('refuses bad and missing signatures', async () => {
    expect((await server.sendWebhook('product.updated', 3, receiverUrl, 'whsec', 'invalid')).status).toBe(
      401,
    );
    expect(received.at(-1)).toEqual({ error: 'signature_invalid' });
    expect((await server.sendWebhook('product.updated', 3, receiverUrl, 'whsec', 'missing')).status).toBe(
      401,
    );
    expect(received.at(-1)).toEqual({ error: 'signature_missing' });
    expect((await server.sendWebhook('product.updated', 3, receiverUrl, 'another-secret')).status).toBe(401);
  });

  it('acknowledges the creation ping as ignored', async () => {
    expect((await server.sendPing(receiverUrl, 7)).status).toBe(200);
    expect((received.at(-1) as WebhookDelivery).change).toMatchObject({ kind: 'ignored' });
  });

  it('refuses a signed body that is not a product', () => {
    const rawBody = Buffer.from('[1,2]');
    const signature = createHmac('sha256', 'whsec').update(rawBody).digest('base64');
    expect(() =>
      verifyWooCommerceWebhook({
        rawBody,
        headers: { 'x-wc-webhook-signature': signature },
        secret: 'whsec',
      }),
    ).toThrow(expect.objectContaining({ code: 'payload_invalid' }));
  });
});

describe('authenticate', () => {
  it('sends Basic credentials over HTTPS and only an OAuth 1.0a signature over HTTP', () => {
    const https = authenticate(
      'GET',
      new URL('https://shop.example/wp-json/wc/v3/products?page=2'),
      credentials,
    );
    expect(https.headers).toEqual({
      authorization: `Basic ${Buffer.from('ck_test:cs_test').toString('base64')}`,
    });
    expect(https.url.search).toBe('?page=2');
    const http = authenticate(
      'GET',
      new URL('http://shop.example/wp-json/wc/v3/products?page=2'),
      credentials,
    );
    expect(http.headers).toEqual({});
    expect(http.url.searchParams.get('oauth_consumer_key')).toBe('ck_test');
    expect(http.url.searchParams.get('oauth_signature_method')).toBe('HMAC-SHA256');
    expect(http.url.searchParams.get('oauth_signature')).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(http.url.href).not.toContain('cs_test');
  });
});

describe('hasNextPage', () => {
  it('follows a Link rel="next" or X-WP-TotalPages, whichever the server sends', () => {
    expect(hasNextPage({ link: '<https://s/wp-json/wc/v3/products?page=3>; rel="next"' }, 2)).toBe(true);
    expect(hasNextPage({ link: '<https://s/wp-json/wc/v3/products?page=1>; rel="prev"' }, 2)).toBe(false);
    expect(hasNextPage({ 'x-wp-totalpages': '3' }, 2)).toBe(true);
    expect(hasNextPage({ 'x-wp-totalpages': '3' }, 3)).toBe(false);
    expect(hasNextPage({}, 1)).toBe(false);
  });
});

describe('the local server speaks wc/v3', () => {
  it('sent only responses that validate against the WooCommerce OpenAPI document', () => {
    const validate = createWcOpenApiValidator();
    const responses = recorded.flat();
    expect(
      new Set(responses.map((response) => `${response.method} ${response.operation} ${response.status}`)),
    ).toEqual(
      new Set([
        'get /system_status 200',
        'get /products 200',
        'get /products/{product_id}/variations 200',
        'get null 401',
        'get null 429',
        'get null 503',
        'get /webhooks 200',
        'post /webhooks 201',
        'put /webhooks/{id} 200',
        'post webhook 200',
      ]),
    );
    expect(responses.map(validate).filter((failure) => failure !== null)).toEqual([]);
  });

  it('would catch a field the OpenAPI document does not declare, or a wrong type', () => {
    const validate = createWcOpenApiValidator();
    const product = { id: 1, name: 'x', permalink: 'https://s/p/1' };
    expect(validate({ operation: '/products', method: 'get', status: 200, body: [product] })).toBeNull();
    expect(
      validate({ operation: '/products', method: 'get', status: 200, body: [{ ...product, colour: 'red' }] }),
    ).toMatch(/additional/);
    expect(
      validate({ operation: '/products', method: 'get', status: 200, body: [{ ...product, id: '1' }] }),
    ).toMatch(/integer/);
  });
});
