import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProductPage } from '../catalog-connector.ts';
import { ConnectorError } from '../connector-error.ts';
import type { PlatformHttpOptions } from '../platform-http.ts';
import {
  catalogToCsvFeed,
  catalogToJsonFeed,
  catalogToMerchantXml,
  type FeedTestServer,
  makeTestCatalog,
  startFeedTestServer,
  type TestCatalogProduct,
} from '../testing/index.ts';
import { createFeedConnector, type FeedConnector, type FeedConnectorOptions } from './feed-connector.ts';

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const close of closers.splice(0)) await close();
});

function connectorFor(options: FeedConnectorOptions, http: PlatformHttpOptions = {}): FeedConnector {
  const connector = createFeedConnector({ ...options, http: { allowPrivateNetworks: true, ...http } });
  closers.push(() => connector.close());
  return connector;
}

async function allPages(connector: FeedConnector, cursor: string | null = null): Promise<ProductPage[]> {
  const pages: ProductPage[] = [];
  for await (const page of connector.fetchProducts({ mode: 'incremental', since: new Date(), cursor })) {
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

describe('feed connector', () => {
  const catalog = makeTestCatalog(1203, { variantsEvery: 7 });
  let server: FeedTestServer;

  beforeAll(async () => {
    // Small chunks, so rows, elements and multi-byte characters straddle chunk boundaries.
    server = await startFeedTestServer({ chunkSize: 1000 });
    closers.push(() => server.close());
    catalog[2] = {
      ...(catalog[2] as TestCatalogProduct),
      title: 'Café, "crème" & brûlée <b>bold</b>',
      description: 'Line one\nline two',
    };
    server.setFile('/feed.json', {
      body: catalogToJsonFeed(catalog, 'EUR', server.origin),
      contentType: 'application/json',
    });
    server.setFile('/feed.csv', {
      body: catalogToCsvFeed(catalog, 'EUR', server.origin),
      contentType: 'text/csv',
    });
    server.setFile('/feed.xml', {
      body: catalogToMerchantXml(catalog, 'EUR', server.origin),
      contentType: 'application/xml',
    });
    server.setFile('/sniffed-json', {
      body: catalogToJsonFeed(catalog, 'EUR', server.origin),
      contentType: null,
    });
    server.setFile('/sniffed-xml', {
      body: catalogToMerchantXml(catalog, 'EUR', server.origin),
      contentType: 'text/plain',
    });
    server.setFile('/sniffed-csv', {
      body: catalogToCsvFeed(catalog, 'EUR', server.origin),
      contentType: null,
    });
  });

  it('parses the same catalog from JSON, CSV and Google Merchant XML into the same products', async () => {
    const results = await Promise.all(
      ['/feed.json', '/feed.csv', '/feed.xml', '/sniffed-json', '/sniffed-xml', '/sniffed-csv'].map(
        async (path) =>
          (await allPages(connectorFor({ url: server.url(path) }))).flatMap((page) => page.products),
      ),
    );
    const [json] = results;
    expect(json).toHaveLength(1203);
    for (const products of results) expect(products).toEqual(json);

    const special = json?.[2];
    expect(special).toMatchObject({
      externalId: '3',
      title: 'Café, "crème" & brûlée bold',
      description: 'Line one\nline two',
      url: `${server.origin}/product/3/`,
      price: { amountMinor: 1202, currency: 'EUR' },
      categories: ['Shoes'],
      tags: ['Brand 2'],
      variants: [],
    });
    const grouped = json?.find((product) => product.externalId === '7');
    expect(
      grouped?.variants.map((variant) => [variant.externalId, variant.title, variant.price?.amountMinor]),
    ).toEqual([
      ['1273', 'S', 1800],
      ['1274', 'M', 1900],
      ['1275', 'L', 2000],
    ]);
    expect(grouped?.variants[0]?.options).toEqual({ Size: 'S' });
    expect(grouped?.price).toEqual({ amountMinor: 1800, currency: 'EUR' });
    expect(grouped?.images).toHaveLength(2);
  });

  it('pages by 500 with an offset cursor, always in full, and resumes from the cursor', async () => {
    const connector = connectorFor({ url: server.url('/feed.xml') });
    const pages = await allPages(connector);
    expect(pages.map((page) => [page.products.length, page.cursor, page.total])).toEqual([
      [500, '500', 1203],
      [500, '1000', 1203],
      [203, null, 1203],
    ]);
    const resumed = await allPages(connector, '1000');
    expect(resumed.map((page) => page.products.length)).toEqual([203]);
    expect(resumed[0]?.products[0]?.externalId).toBe('1001');
  });

  it('reads the storefront from the RSS channel link, else from the first product link', async () => {
    await expect(connectorFor({ url: server.url('/feed.xml') }).verify()).resolves.toEqual({
      storefrontUrl: `${server.origin}/`,
      name: 'Test store',
      currency: 'EUR',
    });
    await expect(connectorFor({ url: server.url('/feed.csv') }).verify()).resolves.toEqual({
      storefrontUrl: server.origin,
      name: null,
      currency: 'EUR',
    });
  });

  it('honours the format option over the Content-Type', async () => {
    server.setFile('/mislabelled', {
      body: catalogToCsvFeed(catalog.slice(0, 3), 'EUR', server.origin),
      contentType: 'application/json',
    });
    const products = (
      await allPages(connectorFor({ url: server.url('/mislabelled'), format: 'csv' }))
    ).flatMap((page) => page.products);
    expect(products).toHaveLength(3);
    expect((await failure(allPages(connectorFor({ url: server.url('/mislabelled') })))).code).toBe(
      'invalid_platform_response',
    );
  });

  it('rejects malformed products one by one while the rest go through', async () => {
    const [good, noId, absurd, crowded, pagesOnly, badCurrency] = makeTestCatalog(6);
    const bad = [
      good,
      { ...noId, id: null },
      { ...absurd, price: '99999999999999.00' },
      { ...crowded, images: Array.from({ length: 10_000 }, (_, i) => `https://cdn.example/${i}.jpg`) },
      { ...pagesOnly, images: ['https://shop.example/product.html', 'javascript:alert(1)'] },
      { ...badCurrency, price: 'free' },
    ] as TestCatalogProduct[];
    const writers = { json: catalogToJsonFeed, csv: catalogToCsvFeed, xml: catalogToMerchantXml };
    for (const [format, write] of Object.entries(writers)) {
      server.setFile(`/bad.${format}`, { body: write(bad, 'USD', server.origin), contentType: null });
      const [page] = await allPages(connectorFor({ url: server.url(`/bad.${format}`) }));
      expect(
        page?.products.map((product) => [product.externalId, product.images.length]),
        format,
      ).toEqual([
        ['1', 2],
        ['5', 0],
      ]);
      expect(
        page?.rejected.map((rejected) => [rejected.externalId, rejected.code]),
        format,
      ).toEqual([
        [null, 'missing_id'],
        ['3', 'invalid_price'],
        ['4', 'too_many_images'],
        ['6', 'invalid_price'],
      ]);
    }
  });

  it('reports deletions a JSON feed marks, and accepts catalog-API prices and image objects', async () => {
    server.setFile('/api-shaped.json', {
      body: JSON.stringify([
        {
          external_id: 'a-1',
          title: 'Boots',
          price: { amount_minor: 4999, currency: 'GBP' },
          in_stock: false,
          images: [{ url: 'https://cdn.example/boots.jpg', alt: 'Boots' }],
          categories: ['Boots', 'Shoes'],
          updated_at: '2026-11-01T12:00:00+01:00',
        },
        {
          id: 17,
          title: 'Cap',
          price: 12.5,
          currency: 'USD',
          image_link: 'https://cdn.example/cap.webp',
          availability: 'preorder',
        },
        { external_id: 'gone', deleted: true },
        'not an object',
      ]),
      contentType: 'application/json; charset=utf-8',
    });
    const [page] = await allPages(connectorFor({ url: server.url('/api-shaped.json') }));
    expect(page?.deleted).toEqual([{ externalId: 'gone' }]);
    expect(page?.products).toEqual([
      {
        externalId: 'a-1',
        title: 'Boots',
        description: '',
        url: null,
        price: { amountMinor: 4999, currency: 'GBP' },
        availability: 'out_of_stock',
        categories: ['Boots', 'Shoes'],
        tags: [],
        images: [{ url: 'https://cdn.example/boots.jpg', alt: 'Boots', width: null, height: null }],
        variants: [],
        updatedAt: '2026-11-01T11:00:00.000Z',
      },
      expect.objectContaining({
        externalId: '17',
        price: { amountMinor: 1250, currency: 'USD' },
        availability: 'preorder',
      }),
    ]);
    expect(page?.rejected).toEqual([
      { externalId: null, code: 'invalid_product', message: 'Not a JSON object' },
    ]);
  });

  it('reads tab-separated feeds, Atom Merchant feeds and image URLs with commas in them', async () => {
    const cdn = 'https://res.cloudinary.test/demo/image/upload/w_400,h_400,c_fill';
    server.setFile('/feed.tsv', {
      body: `id\ttitle\tprice\tlink\timage_link\tadditional_image_link\n42\tLinen shirt\t19.99 USD\thttps://shop.example/p/42\t${cdn}/a.jpg\t${cdn}/b.jpg,${cdn}/c.jpg\n`,
      contentType: 'text/tab-separated-values',
    });
    server.setFile('/atom.xml', {
      body:
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:g="http://base.google.com/ns/1.0">' +
        '<title>Atom store</title><link rel="alternate" href="https://shop.example/"/>' +
        '<entry><g:id>42</g:id><title>Linen shirt</title><link href="https://shop.example/p/42"/>' +
        '<g:price>19.99 USD</g:price><g:shipping><g:price>4.99 USD</g:price></g:shipping>' +
        `<g:image_link>${cdn}/a.jpg</g:image_link></entry></feed>`,
      contentType: 'application/atom+xml',
    });
    const [tsv] = await allPages(connectorFor({ url: server.url('/feed.tsv') }));
    expect(tsv?.products[0]?.images.map((image) => image.url)).toEqual([
      `${cdn}/a.jpg`,
      `${cdn}/b.jpg`,
      `${cdn}/c.jpg`,
    ]);
    expect(tsv?.products[0]?.price).toEqual({ amountMinor: 1999, currency: 'USD' });
    const atom = connectorFor({ url: server.url('/atom.xml') });
    const [page] = await allPages(atom);
    expect(page?.products[0]).toMatchObject({
      externalId: '42',
      url: 'https://shop.example/p/42',
      price: { amountMinor: 1999, currency: 'USD' },
    });
    await expect(atom.verify()).resolves.toEqual({
      storefrontUrl: 'https://shop.example/',
      name: 'Atom store',
      currency: 'USD',
    });
  });

  it('refuses feeds that are not JSON, CSV or RSS, and feeds over the size limit', async () => {
    server.setFile('/broken.json', { body: '{"products": [', contentType: 'application/json' });
    server.setFile('/page.xml', { body: '<html><body>hi</body></html>', contentType: 'text/xml' });
    server.setFile('/headerless.csv', { body: 'a,b\n1,2\n', contentType: 'text/csv' });
    for (const path of ['/broken.json', '/page.xml', '/headerless.csv']) {
      const err = await failure(allPages(connectorFor({ url: server.url(path) })));
      expect(err.code, path).toBe('invalid_platform_response');
    }
    const err = await failure(allPages(connectorFor({ url: server.url('/feed.xml'), maxBytes: 10_000 })));
    expect(err.message).toContain('larger than 10000 bytes');
    expect((await failure(allPages(connectorFor({ url: server.url('/nope.csv') })))).code).toBe(
      'invalid_platform_response',
    );
  });

  it('refuses feed URLs on non-public addresses', async () => {
    for (const url of [
      server.url('/feed.json'),
      'http://169.254.169.254/feed.json',
      'http://feeds.internal.test/f',
    ]) {
      const connector = connectorFor(
        { url },
        { allowPrivateNetworks: false, lookup: async () => [{ address: '10.9.8.7', family: 4 }] },
      );
      const err = await failure(connector.verify());
      expect(err.code, url).toBe('platform_unavailable');
      expect(err.message, url).toContain('not public');
    }
  });
});
