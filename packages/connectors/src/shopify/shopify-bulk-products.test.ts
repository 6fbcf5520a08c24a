import { beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '../connector-error.ts';
import type { ShopifyTestServer } from '../testing/index.ts';
import { parseBulkCursor } from './shopify-bulk-products.ts';
import { collect, EPOCH, ids, useShopifyShops } from './shopify-connector-harness.ts';

const { shop, connect } = useShopifyShops();
const full = { mode: 'full', since: null } as const;

describe('Shopify connector: full sync through a bulk operation', () => {
  let server: ShopifyTestServer;
  beforeAll(async () => {
    // Small slow writes, so the test can see pages arrive while the file is still downloading.
    server = await shop({ products: 1000, bulkChunkBytes: 16 * 1024, bulkChunkDelayMs: 3 });
  });

  it('streams all 1,000 products in pages of 250, yielding before the file is fully read', async () => {
    const connector = connect(server);
    const pages = connector.fetchProducts({ ...full, cursor: null });
    const iterator = pages[Symbol.asyncIterator]();
    const first = await iterator.next();
    const download = server.bulkDownloads.at(-1);
    expect(first.done).toBe(false);
    expect(download?.bytesSent).toBeLessThan(download?.fileBytes ?? 0);
    const rest = await collect({ [Symbol.asyncIterator]: () => iterator });
    const all = [...(first.value?.products ?? []), ...rest.products];
    expect(all).toHaveLength(1000);
    expect(new Set(ids(all)).size).toBe(1000);
    expect([first.value?.products.length, ...rest.pages.map((page) => page.products.length)]).toEqual([
      250, 250, 250, 250,
    ]);
    expect(rest.pages.at(-1)?.cursor).toBeNull();
    expect(first.value?.total).toBe(1000);
    expect(server.bulkDownloads.every((record) => !record.accessTokenSent)).toBe(true);
  });

  it('resumes mid-file from a page cursor without a new operation, losing and repeating nothing', async () => {
    const connector = connect(server);
    const head = await collect(connector.fetchProducts({ ...full, cursor: null }), 2);
    const cursor = head.pages.at(-1)?.cursor ?? null;
    expect(parseBulkCursor(cursor ?? '')).not.toBeNull();
    const operations = server.bulkOperations.length;
    const tail = await collect(connector.fetchProducts({ ...full, cursor }));
    expect(server.bulkOperations.length).toBe(operations);
    const all = [...ids(head.products), ...ids(tail.products)];
    expect(all).toHaveLength(1000);
    expect(new Set(all).size).toBe(1000);
  });

  it('starts over with a new operation when the resumed one has expired', async () => {
    const connector = connect(server);
    const head = await collect(connector.fetchProducts({ ...full, cursor: null }), 1);
    server.expireBulkOperations();
    const operations = server.bulkOperations.length;
    const again = await collect(connector.fetchProducts({ ...full, cursor: head.pages[0]?.cursor ?? null }));
    expect(server.bulkOperations.length).toBe(operations + 1);
    expect(again.products).toHaveLength(1000);
  });

  it('fails retryably when Shopify fails the operation, and refuses a cursor it did not issue', async () => {
    server.failNextBulkOperation('FAILED', 'INTERNAL_SERVER_ERROR');
    await expect(collect(connect(server).fetchProducts({ ...full, cursor: null }))).rejects.toSatisfy(
      (err) =>
        isConnectorError(err) &&
        err.code === 'platform_unavailable' &&
        err.retryable &&
        /FAILED/.test(err.message),
    );
    await expect(collect(connect(server).fetchProducts({ ...full, cursor: 'offset:40' }))).rejects.toSatisfy(
      (err) => isConnectorError(err) && err.code === 'invalid_platform_response',
    );
  });

  it('stops downloading when the run is cancelled mid-file', async () => {
    const controller = new AbortController();
    const pages = connect(server).fetchProducts({ ...full, cursor: null, signal: controller.signal });
    const iterator = pages[Symbol.asyncIterator]();
    await iterator.next();
    controller.abort();
    await expect(collect({ [Symbol.asyncIterator]: () => iterator })).rejects.toSatisfy(
      (err) => err instanceof Error && err.name === 'AbortError',
    );
    // Unstopped, the rest of the file would be sent well within this wait.
    await new Promise((resolve) => setTimeout(resolve, 800));
    const download = server.bulkDownloads.at(-1);
    expect(download?.bytesSent).toBeLessThan(download?.fileBytes ?? 0);
  });

  it('answers an empty shop with one empty last page', async () => {
    const empty = await shop({ products: 0 });
    const { pages } = await collect(connect(empty).fetchProducts({ ...full, cursor: null }));
    expect(pages).toEqual([{ products: [], rejected: [], deleted: [], cursor: null, total: 0 }]);
  });
});

describe('Shopify connector: bulk files whose child lines trail their product', () => {
  it('attaches media and variants that come up to 250 products late, and resumes the same', async () => {
    const server = await shop({ products: 1000, bulkChildrenLag: 200 });
    const connector = connect(server);
    const whole = await collect(connector.fetchProducts({ ...full, cursor: null }));
    expect(whole.products).toHaveLength(1000);
    expect(
      whole.products.every((product) => product.images.length === 2 && product.variants.length === 2),
    ).toBe(true);
    const head = await collect(connector.fetchProducts({ ...full, cursor: null }), 2);
    const tail = await collect(
      connector.fetchProducts({ ...full, cursor: head.pages.at(-1)?.cursor ?? null }),
    );
    const resumed = [...head.products, ...tail.products];
    expect(resumed).toEqual(whole.products);
  });

  it('refuses a file whose children come too far from their product rather than drop them', async () => {
    const server = await shop({ products: 700, bulkChildrenLag: 600 });
    await expect(collect(connect(server).fetchProducts({ ...full, cursor: null }))).rejects.toSatisfy(
      (err) => isConnectorError(err) && err.code === 'invalid_platform_response',
    );
  });
});

describe('Shopify connector: malformed products', () => {
  let server: ShopifyTestServer;
  const ID = 9_000_000;
  beforeAll(async () => {
    server = await shop({
      products: [
        {},
        { id: ID + 1, title: '   ' },
        { id: ID + 2, variants: [{ price: '-5.00' }] },
        { id: ID + 3, variants: [{ price: '99999999999999.00' }] },
        { id: ID + 4, images: Array.from({ length: 300 }, () => ({})) },
        { id: ID + 5, images: ['https://cdn.shop.test/brochure.pdf', {}] },
        { id: ID + 6, images: Array.from({ length: 14 }, () => ({})) },
        { id: ID + 7, status: 'DRAFT' },
        { id: ID + 8, status: 'ARCHIVED' },
        {},
      ],
    });
  });

  const expectations = (result: Awaited<ReturnType<typeof collect>>) => {
    expect(result.rejected.map((rejected) => [rejected.externalId, rejected.code])).toEqual([
      [`gid://shopify/Product/${ID + 1}`, 'missing_title'],
      [`gid://shopify/Product/${ID + 2}`, 'invalid_price'],
      [`gid://shopify/Product/${ID + 3}`, 'invalid_price'],
      [`gid://shopify/Product/${ID + 4}`, 'too_many_images'],
    ]);
    expect(ids(result.deleted)).toEqual([
      `gid://shopify/Product/${ID + 7}`,
      `gid://shopify/Product/${ID + 8}`,
    ]);
    expect(result.products).toHaveLength(4);
    const pdf = result.products.find((product) => product.externalId === `gid://shopify/Product/${ID + 5}`);
    expect(pdf?.images).toHaveLength(1);
    const many = result.products.find((product) => product.externalId === `gid://shopify/Product/${ID + 6}`);
    expect(many?.images).toHaveLength(10);
  };

  it('rejects them one by one, with reasons, in a bulk sync while the rest go in', async () => {
    expectations(await collect(connect(server).fetchProducts({ ...full, cursor: null })));
  });

  it('rejects the same ones for the same reasons when paging', async () => {
    const paged = await collect(
      connect(server).fetchProducts({ mode: 'incremental', since: new Date(EPOCH - 1000), cursor: null }),
    );
    expectations(paged);
  });

  it('reads a product the same whichever path fetched it', async () => {
    const bulk = await collect(connect(server).fetchProducts({ ...full, cursor: null }));
    const paged = await collect(
      connect(server).fetchProducts({ mode: 'incremental', since: new Date(EPOCH - 1000), cursor: null }),
    );
    const byId = (a: { externalId: string }, b: { externalId: string }) =>
      a.externalId.localeCompare(b.externalId);
    expect([...paged.products].sort(byId)).toEqual([...bulk.products].sort(byId));
    expect(
      bulk.products.find((product) => product.externalId === 'gid://shopify/Product/8100000000000'),
    ).toMatchObject({
      title: 'Navy dress 1',
      description: 'A navy dresses piece.\nCotton',
      url: `${server.storefrontUrl}/products/${server.products()[0]?.handle}`,
      categories: ['Dresses'],
      tags: ['navy', 'test'],
      availability: 'out_of_stock',
    });
  });
});
