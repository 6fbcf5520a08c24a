import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import {
  type DemoProduct,
  generateCatalog,
  renderProductImage,
  renderShopperPhoto,
} from '@nlyzer/demo-catalog';
import { signWidgetToken, widgetTokenSecret } from '@nlyzer/gateway';
import { startPineconeDataPlaneServer } from '@nlyzer/vectors/pinecone-test-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSearch,
  type TestSearch,
} from '../../../test/search-harness.ts';
import { upsertCatalogProducts } from '../catalog/catalog-writes.ts';
import { setConfidenceThreshold } from '../store-settings/settings-store.ts';

const ORIGIN = 'https://shop.example';
const CATALOG = generateCatalog({ products: 14, seed: 3 });
const STORE_A = CATALOG.slice(0, 10);
const STORE_B = CATALOG.slice(10);

async function load(search: TestSearch, storeId: string, products: readonly DemoProduct[]) {
  const inputs = await Promise.all(
    products.map(async (p) => ({
      externalId: p.externalId,
      title: p.title,
      description: p.description,
      price: p.price,
      categories: [p.category],
      inStock: p.inStock,
      images: [{ data: await renderProductImage(p, 0, { size: 320 }), contentType: 'image/jpeg' }],
    })),
  );
  await upsertCatalogProducts(search.context, storeId, inputs, { source: 'api' });
}

async function indexed(search: TestSearch, storeId: string, count: number) {
  await eventually(
    async () => {
      const rows = await search.search.withStore(storeId, (trx) =>
        trx.selectFrom('search.products').select('index_state').where('store_id', '=', storeId).execute(),
      );
      return rows.length === count && rows.every((r) => r.index_state === 'indexed') ? true : undefined;
    },
    `${count} indexed products`,
    120_000,
  );
}

/**
 * A minimal PNG whose header declares `side` × `side` pixels: the bytes are tiny, the
 * declared image is not, which is what a decompression bomb looks like to a decoder.
 */
function declaredPng(side: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff;
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff]! ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const out = Buffer.alloc(8 + data.length + 4);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc(body), 8 + data.length);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // greyscale
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.alloc(side + 1))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A GIF whose logical screen is 65535 × 65535 pixels in a few bytes. */
const gifBomb = () =>
  Buffer.concat([
    Buffer.from('GIF89a', 'ascii'),
    Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0]),
    Buffer.alloc(64),
  ]);

describe('image search', () => {
  let search: TestSearch;
  const storeA = randomUUID();
  const storeB = randomUUID();
  let tokenA: string;
  let tokenB: string;
  let photo: Buffer;
  const target = STORE_A[4]!;

  const post = (
    body: Buffer,
    options: { token?: string; origin?: string; type?: string; query?: string } = {},
  ) =>
    search.app.inject({
      method: 'POST',
      url: `/v1/search/image${options.query ?? ''}`,
      headers: {
        'content-type': options.type ?? 'image/jpeg',
        ...(options.origin === '' ? {} : { origin: options.origin ?? ORIGIN }),
        ...(options.token === '' ? {} : { authorization: `Bearer ${options.token ?? tokenA}` }),
      },
      payload: body,
    });

  beforeAll(async () => {
    search = await startTestSearch();
    const secret = widgetTokenSecret(search.config);
    tokenA = (
      await signWidgetToken({ storeId: storeA, keyId: randomUUID(), origin: ORIGIN, tier: 'growth' }, secret)
    ).token;
    tokenB = (
      await signWidgetToken({ storeId: storeB, keyId: randomUUID(), origin: ORIGIN, tier: 'growth' }, secret)
    ).token;
    await load(search, storeA, STORE_A);
    await load(search, storeB, STORE_B);
    await indexed(search, storeA, STORE_A.length);
    await indexed(search, storeB, STORE_B.length);
    photo = await renderShopperPhoto(target, { seed: 11, difficulty: 'easy' });
  }, SETUP_TIMEOUT_MS);

  afterAll(async () => {
    await search?.close();
  });

  it("finds the product in a shopper's photo first, and says what the photo looks like", async () => {
    const response = await post(photo);
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body.results[0].external_id).toBe(target.externalId);
    expect(body.kind).toBe('image');
    expect(body.style_dna.colours.length).toBeGreaterThan(0);
    expect(body.confidence).toBeGreaterThan(0);
    expect(body.confidence).toBeLessThanOrEqual(1);
    const performed = await search.waitForEvent(
      'search.performed',
      (e) => e.payload.search_id === body.search_id,
    );
    expect(performed.store_id).toBe(storeA);
    expect(performed.payload.result_product_ids).toEqual(
      body.results.map((r: { product_id: string }) => r.product_id),
    );
    expect(performed.payload.zero_results).toBe(false);
  });

  it('takes the photo as multipart form data too', async () => {
    const boundary = '----nlyzer-test';
    const payload = Buffer.concat([
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="image"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
      ),
      photo,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const response = await post(payload, { type: `multipart/form-data; boundary=${boundary}` });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.json().results[0].external_id).toBe(target.externalId);
  });

  it('refuses bad uploads with a 4xx problem, never a 5xx', async () => {
    const jpeg = await renderProductImage(STORE_A[0]!, 0, { size: 128 });
    const cases: [string, Buffer, number, string][] = [
      ['empty', Buffer.alloc(0), 400, 'image_empty'],
      ['5 MB + 1 byte', Buffer.alloc(5 * 1024 * 1024 + 1, 0xff), 413, 'payload_too_large'],
      ['text labelled image/jpeg', Buffer.from('definitely not a photo'), 415, 'image_unsupported_format'],
      ['truncated JPEG', jpeg.subarray(0, Math.floor(jpeg.length / 2)), 422, 'image_corrupt'],
      ['20000 × 20000 PNG', declaredPng(20_000), 413, 'image_too_large'],
      ['GIF bomb', gifBomb(), 415, 'image_unsupported_format'],
    ];
    for (const [name, body, status, code] of cases) {
      const response = await post(body);
      expect(response.statusCode, `${name}: ${response.body}`).toBe(status);
      expect(response.headers['content-type'], name).toMatch(/application\/problem\+json/);
      expect(response.json().code, name).toBe(code);
    }
    const wrongType = await post(photo, { type: 'text/plain' });
    expect(wrongType.statusCode).toBe(415);
  });

  it('refuses missing, forged, expired and foreign-origin widget tokens', async () => {
    const secret = widgetTokenSecret(search.config);
    const claims = { storeId: storeA, keyId: randomUUID(), origin: ORIGIN, tier: 'growth' as const };
    const forged = (await signWidgetToken(claims, 'another-secret-that-is-long-enough-to-sign')).token;
    const expired = (await signWidgetToken(claims, secret, new Date(Date.now() - 16 * 60_000))).token;
    const cases: [string, Parameters<typeof post>[1], number, string][] = [
      ['missing', { token: '' }, 401, 'unauthenticated'],
      ['forged', { token: forged }, 401, 'unauthenticated'],
      ['expired', { token: expired }, 401, 'credentials_expired'],
      ['foreign origin', { origin: 'https://evil.example' }, 403, 'origin_not_allowed'],
      ['no origin', { origin: '' }, 403, 'origin_not_allowed'],
    ];
    for (const [name, options, status, code] of cases) {
      const response = await post(photo, options);
      expect(response.statusCode, name).toBe(status);
      expect(response.json().code, name).toBe(code);
    }
  });

  it("never returns another store's products: a token for store B searches store B only", async () => {
    const response = await post(photo, { token: tokenB });
    expect(response.statusCode).toBe(200);
    const ids = response.json().results.map((r: { external_id: string }) => r.external_id);
    expect(ids.length).toBeGreaterThan(0);
    expect(ids.every((id: string) => STORE_B.some((p) => p.externalId === id))).toBe(true);
  });

  it('answers a repeated search from the cache until the catalog changes', async () => {
    const first = (await post(photo, { query: '?limit=5' })).json();
    const second = (await post(photo, { query: '?limit=5' })).json();
    expect(second.cached).toBe(true);
    expect(second.results).toEqual(first.results);
    expect(second.search_id).not.toBe(first.search_id);

    const changed = STORE_A[0]!;
    await upsertCatalogProducts(
      search.context,
      storeA,
      [
        {
          externalId: changed.externalId,
          title: `${changed.title} (new season)`,
          images: [{ data: await renderProductImage(changed, 0, { size: 320 }), contentType: 'image/jpeg' }],
          categories: [changed.category],
          price: changed.price,
        },
      ],
      { source: 'api' },
    );
    const third = (await post(photo, { query: '?limit=5' })).json();
    expect(third.cached).toBe(false);
  });

  it('hands a search below the threshold to a human exactly once', async () => {
    await search.search.withStore(storeA, (trx) => setConfidenceThreshold(trx, storeA, 1));
    const response = await post(photo, { query: '?limit=3&session_id=shopper-1' });
    const body = response.json();
    expect(body.concierge_requested).toBe(true);
    const handoff = await search.waitForEvent(
      'concierge.requested',
      (e) => e.payload.search_id === body.search_id,
    );
    expect(handoff.payload.threshold).toBe(1);
    expect(handoff.payload.session_id).toBe('shopper-1');
    expect(handoff.payload.candidate_product_ids).toEqual(
      body.results.map((r: { product_id: string }) => r.product_id),
    );
    // The expert can open the shopper's photo through the merchant API.
    const image = await search.app.inject({
      method: 'GET',
      url: handoff.payload.image_ref as string,
      headers: await search.merchant(storeA, 'agent'),
    });
    expect(image.statusCode).toBe(200);
    expect(image.rawPayload.equals(photo)).toBe(true);

    await search.search.withStore(storeA, (trx) => setConfidenceThreshold(trx, storeA, 0));
    const confident = (await post(photo, { query: '?limit=4' })).json();
    expect(confident.concierge_requested).toBe(false);
    await search.waitForEvent('search.performed', (e) => e.payload.search_id === confident.search_id);
    const handoffsOf = (searchId: string) =>
      search.events.filter((e) => e.event_type === 'concierge.requested' && e.payload.search_id === searchId);
    expect(handoffsOf(body.search_id)).toHaveLength(1);
    expect(handoffsOf(confident.search_id)).toHaveLength(0);
  });

  it('filters by stock, price and category', async () => {
    const inStock = (await post(photo, { query: '?in_stock=true' })).json();
    const stocked = new Set(STORE_A.filter((p) => p.inStock).map((p) => p.externalId));
    expect(inStock.results.every((r: { external_id: string }) => stocked.has(r.external_id))).toBe(true);
    const category = target.category;
    const byCategory = (await post(photo, { query: `?category=${category}` })).json();
    expect(byCategory.results.every((r: { categories: string[] }) => r.categories.includes(category))).toBe(
      true,
    );
    const cheap = (await post(photo, { query: '?max_price=0.01' })).json();
    expect(cheap.results).toEqual([]);
    const bad = await post(photo, { query: '?min_price=10&max_price=5' });
    expect(bad.statusCode).toBe(400);
  });

  it('searches titles, descriptions and StyleDNA by text, and fuses text with an image', async () => {
    const headers = { origin: ORIGIN, authorization: `Bearer ${tokenA}` };
    const text = await search.app.inject({
      method: 'POST',
      url: '/v1/search/text',
      headers,
      payload: { q: target.title },
    });
    expect(text.statusCode, text.body).toBe(200);
    expect(text.json().results[0].external_id).toBe(target.externalId);
    expect(text.json().kind).toBe('text');

    const hybrid = (await post(photo, { query: `?q=${encodeURIComponent(target.title)}` })).json();
    expect(hybrid.kind).toBe('hybrid');
    expect(hybrid.results[0].external_id).toBe(target.externalId);
  });

  it('lists similar products of a product, without the product itself', async () => {
    const first = (await post(photo)).json().results[0];
    const response = await search.app.inject({
      method: 'GET',
      url: `/v1/search/similar/${first.product_id}?limit=4`,
      headers: { origin: ORIGIN, authorization: `Bearer ${tokenA}` },
    });
    expect(response.statusCode, response.body).toBe(200);
    const ids = response.json().results.map((r: { product_id: string }) => r.product_id);
    expect(ids.length).toBe(4);
    expect(ids).not.toContain(first.product_id);
    const missing = await search.app.inject({
      method: 'GET',
      url: `/v1/search/similar/${randomUUID()}`,
      headers: { origin: ORIGIN, authorization: `Bearer ${tokenA}` },
    });
    expect(missing.statusCode).toBe(404);
  });

  it('serves inline product photos for result cards', async () => {
    const result = (await post(photo)).json().results[0];
    expect(result.image_url).toMatch(/^\/v1\/search\/images\//);
    const image = await search.app.inject({ method: 'GET', url: result.image_url });
    expect(image.statusCode).toBe(200);
    expect(image.headers['content-type']).toBe('image/jpeg');
  });
});

describe('image search on the Pinecone adapter', () => {
  it(
    "keeps stores apart in Pinecone's namespaces",
    async () => {
      const pinecone = await startPineconeDataPlaneServer('pc-test-key');
      const search = await startTestSearch({
        env: { VECTOR_INDEX: 'pinecone', PINECONE_API_KEY: 'pc-test-key', PINECONE_INDEX_HOST: pinecone.url },
      });
      try {
        const storeA = randomUUID();
        const storeB = randomUUID();
        await load(search, storeA, STORE_A.slice(0, 4));
        await load(search, storeB, STORE_B.slice(0, 2));
        await indexed(search, storeA, 4);
        await indexed(search, storeB, 2);
        const secret = widgetTokenSecret(search.config);
        const token = (
          await signWidgetToken(
            { storeId: storeB, keyId: randomUUID(), origin: ORIGIN, tier: 'growth' },
            secret,
          )
        ).token;
        const photo = await renderShopperPhoto(STORE_A[1]!, { seed: 5, difficulty: 'easy' });
        const response = await eventually(async () => {
          const r = await search.app.inject({
            method: 'POST',
            url: '/v1/search/image',
            headers: { 'content-type': 'image/jpeg', origin: ORIGIN, authorization: `Bearer ${token}` },
            payload: photo,
          });
          return r.json().results.length === 2 ? r : undefined;
        }, 'store B results from Pinecone');
        const ids = response.json().results.map((r: { external_id: string }) => r.external_id);
        expect(ids.sort()).toEqual(
          STORE_B.slice(0, 2)
            .map((p) => p.externalId)
            .sort(),
        );
        expect(pinecone.requests.some((r) => r.path === '/query' && r.body?.namespace === storeB)).toBe(true);
      } finally {
        await search.close();
        await pinecone.close();
      }
    },
    SETUP_TIMEOUT_MS,
  );
});
