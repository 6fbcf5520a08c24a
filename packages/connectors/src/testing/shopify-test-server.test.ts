import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PRODUCTS_PAGE_QUERY, PRODUCTS_PER_REQUEST } from '../shopify/shopify-product-documents.ts';
import { type ShopifyTestServer, startShopifyTestServer } from './shopify-test-server.ts';

let server: ShopifyTestServer;
beforeAll(async () => {
  server = await startShopifyTestServer({ products: 3 });
});
afterAll(() => server.close());

/** The parts of an Admin API answer these tests read. */
interface Answer {
  data: { bulkOperationRunQuery: { userErrors: { code: string }[] } };
  errors: { message: string; extensions: { code: string } }[];
  extensions: { cost: { requestedQueryCost: number; actualQueryCost: number; throttleStatus: unknown } };
}

async function graphql(query: string, variables: Record<string, unknown> = {}, token = server.accessToken) {
  const response = await fetch(`${server.origin}/admin/api/2025-01/graphql.json`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-shopify-access-token': token },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, body: (await response.json()) as Answer };
}

describe('Shopify test server', () => {
  it('prices queries by Shopify’s documented rules and reports the bucket on every answer', async () => {
    const page = await graphql(PRODUCTS_PAGE_QUERY, { first: PRODUCTS_PER_REQUEST, query: null });
    // Per product: itself 1, mediaCount 1, priceRangeV2 + minVariantPrice 2, media and
    // variants 2 + 10 × (node 1 + one object) each.
    expect(page.body.extensions.cost.requestedQueryCost).toBe(2 + PRODUCTS_PER_REQUEST * 48);
    // Three products with two images and two variants each were actually returned.
    expect(page.body.extensions.cost.actualQueryCost).toBe(2 + 3 * (1 + 1 + 2 + (2 + 2 * 2) + (2 + 2 * 2)));
    expect(page.body.extensions.cost.throttleStatus).toMatchObject({
      maximumAvailable: 2000,
      restoreRate: 100,
    });
    const mutation = await graphql(
      'mutation { webhookSubscriptionCreate(topic: PRODUCTS_UPDATE, webhookSubscription: { callbackUrl: "https://x.test/h" }) { userErrors { message } } }',
    );
    expect(mutation.body.extensions.cost.requestedQueryCost).toBe(10);
  });

  it('answers invalid documents with 200 and errors, and records them', async () => {
    const before = server.validationFailures.length;
    const unknownField = await graphql('{ shop { name planName } }');
    expect(unknownField.status).toBe(200);
    expect(unknownField.body.errors[0]?.message).toMatch(/planName/);
    const syntax = await graphql('{ shop { name ');
    expect(syntax.body.errors).toHaveLength(1);
    const bulk = await graphql(
      'mutation($q: String!) { bulkOperationRunQuery(query: $q) { userErrors { code message } } }',
      {
        q: '{ products { edges { node { id colour } } } }',
      },
    );
    expect(bulk.body.data.bulkOperationRunQuery.userErrors[0]?.code).toBe('INVALID');
    expect(server.validationFailures.length).toBe(before + 3);
  });

  it('refuses what Shopify refuses: no page size, pages over 250, single queries over 1,000 points', async () => {
    expect((await graphql('{ products { nodes { id } } }')).body.errors[0]?.message).toMatch(/first or last/);
    expect((await graphql('{ products(first: 251) { nodes { id } } }')).body.errors[0]?.message).toMatch(
      /250/,
    );
    const expensive = await graphql(
      '{ products(first: 250) { nodes { id variants(first: 100) { nodes { id } } } } }',
    );
    expect(expensive.body.errors[0]?.extensions.code).toBe('MAX_COST_EXCEEDED');
  });

  it('answers a wrong access token with 401 as the Admin API does', async () => {
    const denied = await graphql('{ shop { name } }', {}, 'shpat_wrong');
    expect(denied.status).toBe(401);
    // Shopify answers this one with a bare string, not a list of errors.
    expect(denied.body.errors as unknown).toMatch(/Invalid API key or access token/);
  });

  it('serves each product image as real image bytes of its stated size', async () => {
    const image = server.products()[0]?.images[0];
    const response = await fetch(`${server.origin}/cdn/shop/files/${image?.id}.jpg`);
    const bytes = Buffer.from(await response.arrayBuffer());
    expect(response.headers.get('content-type')).toBe('image/png');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([image?.width, image?.height]);
    expect((await fetch(`${server.origin}/cdn/shop/files/1.jpg`)).status).toBe(404);
  });

  it('renders supplied images once into a disk cache shared across servers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'shopify-images-'));
    const rendered: string[] = [];
    const image = async (product: number, view: number) => {
      rendered.push(`${product}/${view}`);
      return Buffer.from([0xff, 0xd8, 0xff, 0xe0, product, view]);
    };
    for (let round = 0; round < 2; round++) {
      const shop = await startShopifyTestServer({ products: 2, image, imageCacheDir: dir });
      const id = shop.products()[1]?.images[1]?.id;
      const response = await fetch(`${shop.origin}/cdn/shop/files/${id}.jpg`);
      expect(response.headers.get('content-type')).toBe('image/jpeg');
      expect([...Buffer.from(await response.arrayBuffer())].slice(4)).toEqual([1, 1]);
      await shop.close();
    }
    expect(rendered).toEqual(['1/1']);
    await rm(dir, { recursive: true });
  });
});
