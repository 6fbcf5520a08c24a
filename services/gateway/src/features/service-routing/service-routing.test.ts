import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { CATALOG_LIMITS } from '@nlyzer/contracts';
import { type App, internalAuthSecret, verifyInternalPrincipal } from '@nlyzer/service-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  addMember,
  bearer,
  createApiKey,
  expectProblem,
  SETUP_TIMEOUT_MS,
  type SignedUp,
  signUp,
  startTestGateway,
  type TestGateway,
} from '../../../test/harness.ts';
import { FORWARDED_BODY_LIMIT_BYTES } from './forwarded-body.ts';
import { WEBHOOK_BODY_LIMIT_BYTES } from './service-routing-feature.ts';

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  bodySha256: string;
}

type Upstream = { server: Server; url: string; received: Received[] };

/** A stand-in service on a loopback port: records each request and answers like the service would. */
async function startUpstream(name: string): Promise<Upstream> {
  const received: Received[] = [];
  const server = createServer(async (request, response) => {
    const hash = createHash('sha256');
    let bodyBytes = 0;
    try {
      for await (const chunk of request) {
        hash.update(chunk as Buffer);
        bodyBytes += (chunk as Buffer).length;
      }
    } catch {
      return; // the gateway gave up on the forward (a body over the limit): nothing arrived
    }
    received.push({
      method: request.method!,
      url: request.url!,
      headers: request.headers,
      bodyBytes,
      bodySha256: hash.digest('hex'),
    });
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'access-control-allow-origin': String(request.headers.origin),
        'access-control-allow-methods': 'POST',
      });
      return response.end();
    }
    if (request.url!.includes('/slow')) await new Promise((resolve) => setTimeout(resolve, 1500));
    if (request.url!.includes('/overloaded')) {
      response.writeHead(503, { 'retry-after': '30', 'content-type': 'application/problem+json' });
      return response.end(JSON.stringify({ status: 503, code: 'unavailable' }));
    }
    response.writeHead(201, { 'content-type': 'application/json', 'x-served-by': name });
    response.end(JSON.stringify({ echoed: request.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function stopUpstream(upstream: Upstream | undefined): Promise<void> {
  upstream?.server.closeAllConnections();
  await new Promise((resolve) => upstream?.server.close(resolve));
}

const sha256 = (bytes: Buffer | string) => createHash('sha256').update(bytes).digest('hex');

describe('service routing', () => {
  let upstream: Upstream;
  let syncWorker: Upstream;
  let gateway: TestGateway;
  let owner: SignedUp;

  beforeAll(async () => {
    upstream = await startUpstream('search');
    syncWorker = await startUpstream('sync-worker');
    gateway = await startTestGateway({
      env: {
        SEARCH_SERVICE_URL: upstream.url,
        SEARCH_SERVICE_TIMEOUT_MS: '500',
        SYNC_WORKER_URL: syncWorker.url,
      },
    });
    owner = await signUp(gateway, { tier: 'growth' });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await gateway?.close();
    await stopUpstream(upstream);
    await stopUpstream(syncWorker);
  });
  beforeEach(() => {
    upstream.received.length = 0;
    syncWorker.received.length = 0;
  });

  const assertedPrincipal = (headers: IncomingHttpHeaders) =>
    verifyInternalPrincipal(String(headers['x-nlyzer-principal']), {
      secret: internalAuthSecret(gateway.config),
      audience: 'search',
    });

  describe('shopper routes', () => {
    it('forward method, path, query, body and headers, and answer with what search answered', async () => {
      const body = JSON.stringify({ query: 'red dress' });
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/v1/search/text?limit=5&lang=en',
        headers: {
          authorization: 'Bearer widget-token-from-the-browser',
          origin: 'https://shop.example',
          'content-type': 'application/json',
          'x-request-id': 'req-forwarded-1',
          'x-nlyzer-principal': 'forged-by-the-client',
        },
        payload: body,
      });
      expect(response.statusCode).toBe(201);
      expect(response.json()).toEqual({ echoed: '/v1/search/text?limit=5&lang=en' });
      expect(response.headers['x-served-by']).toBe('search');
      expect(response.headers['x-request-id']).toBe('req-forwarded-1');
      // Search's keep-alive terms are for the gateway's connection, not the client's.
      expect(response.headers).not.toHaveProperty('keep-alive');

      expect(upstream.received).toHaveLength(1);
      const [got] = upstream.received;
      expect(got).toMatchObject({
        method: 'POST',
        url: '/v1/search/text?limit=5&lang=en',
        bodySha256: createHash('sha256').update(body).digest('hex'),
      });
      expect(got!.headers).toMatchObject({
        authorization: 'Bearer widget-token-from-the-browser',
        origin: 'https://shop.example',
        'content-type': 'application/json',
        'x-request-id': 'req-forwarded-1',
        'x-forwarded-for': '127.0.0.1',
        'x-forwarded-proto': 'http',
        'x-forwarded-host': 'localhost:80',
      });
      expect(got!.headers).not.toHaveProperty('x-nlyzer-principal');
    });

    it('replace client-supplied X-Forwarded-* headers with what the gateway resolved', async () => {
      await gateway.app.inject({
        method: 'GET',
        url: '/v1/search/similar/sku-1',
        headers: { 'x-forwarded-for': '203.0.113.9', 'x-forwarded-host': 'evil.example' },
        remoteAddress: '198.51.100.7',
      });
      expect(upstream.received[0]!.headers).toMatchObject({
        'x-forwarded-for': '198.51.100.7',
        'x-forwarded-host': 'localhost:80',
      });
    });

    it('forward CORS preflights and pass the answer back', async () => {
      const response = await gateway.app.inject({
        method: 'OPTIONS',
        url: '/v1/search/image',
        headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
      });
      expect(response.statusCode).toBe(204);
      expect(response.headers['access-control-allow-origin']).toBe('https://shop.example');
      expect(upstream.received[0]).toMatchObject({ method: 'OPTIONS', url: '/v1/search/image' });
    });

    it('stream a 5 MB image through intact', async () => {
      const image = randomBytes(5 * 1024 * 1024);
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/v1/search/image',
        headers: { 'content-type': 'image/jpeg', origin: 'https://shop.example' },
        payload: image,
      });
      expect(response.statusCode).toBe(201);
      expect(upstream.received[0]).toMatchObject({
        bodyBytes: image.length,
        bodySha256: createHash('sha256').update(image).digest('hex'),
      });
      expect(upstream.received[0]!.headers['content-type']).toBe('image/jpeg');
    });

    it('stream a chunked body of unknown length through intact', async () => {
      const parts = [randomBytes(300_000), randomBytes(300_000)];
      const response = await gateway.app.inject({
        method: 'POST',
        url: '/v1/search/image',
        headers: { 'content-type': 'multipart/form-data; boundary=x', 'transfer-encoding': 'chunked' },
        payload: Readable.from(parts),
      });
      expect(response.statusCode).toBe(201);
      expect(upstream.received[0]!.bodySha256).toBe(
        createHash('sha256').update(Buffer.concat(parts)).digest('hex'),
      );
    });

    it('refuse a body over the limit with 413, declared or streamed', async () => {
      const declared = await gateway.app.inject({
        method: 'POST',
        url: '/v1/search/image',
        headers: { 'content-type': 'image/png' },
        payload: Buffer.alloc(FORWARDED_BODY_LIMIT_BYTES + 1),
      });
      expectProblem(declared, 413, 'payload_too_large');
      expect(upstream.received).toEqual([]);

      const chunk = Buffer.alloc(1024 * 1024);
      const streamed = await gateway.app.inject({
        method: 'POST',
        url: '/v1/search/image',
        headers: { 'content-type': 'image/png', 'transfer-encoding': 'chunked' },
        payload: Readable.from(Array.from({ length: 7 }, () => chunk)),
      });
      expectProblem(streamed, 413, 'payload_too_large');
    });

    it('pass a 503 of search on at once, without retrying', async () => {
      const response = await gateway.app.inject({ method: 'GET', url: '/v1/search/overloaded' });
      expect(response.statusCode).toBe(503);
      expect(response.headers['retry-after']).toBe('30');
      expect(upstream.received).toHaveLength(1);
    });

    it('refuse a path that climbs out of the route', async () => {
      const response = await gateway.app.inject({
        method: 'GET',
        url: '/v1/search/a%2F..%2F..%2F..%2Fhealthz',
      });
      expectProblem(response, 400, 'bad_request');
      expect(upstream.received).toEqual([]);
    });
  });

  describe('merchant routes', () => {
    it('need credentials', async () => {
      for (const [method, url] of [
        ['GET', '/v1/catalog/products'],
        ['PUT', '/v1/catalog/products'],
        ['GET', '/v1/search-settings'],
      ] as const) {
        expectProblem(await gateway.app.inject({ method, url }), 401, 'unauthenticated');
      }
      expect(upstream.received).toEqual([]);
    });

    it('reach search with a verifiable principal assertion instead of the credentials', async () => {
      const response = await gateway.app.inject({
        method: 'PUT',
        url: '/v1/catalog/products',
        headers: {
          ...bearer(owner.token),
          'content-type': 'application/json',
          'x-nlyzer-principal': 'forged-by-the-client',
        },
        payload: { products: [{ id: 'sku-1' }] },
      });
      expect(response.statusCode).toBe(201);
      const [got] = upstream.received;
      expect(got).toMatchObject({ method: 'PUT', url: '/v1/catalog/products' });
      expect(await assertedPrincipal(got!.headers)).toEqual({
        storeId: owner.storeId,
        role: 'owner',
        actor: { kind: 'user', id: owner.userId },
        tier: 'growth',
      });
      expect(got!.headers).not.toHaveProperty('authorization');
      expect(got!.headers).not.toHaveProperty('cookie');
    });

    it('name the API key as the actor when one is used', async () => {
      const key = await createApiKey(gateway, owner.token, 'admin');
      const response = await gateway.app.inject({
        method: 'DELETE',
        url: '/v1/catalog/products?ids=sku-1',
        headers: { 'x-api-key': key.key },
      });
      expect(response.statusCode).toBe(201);
      const [got] = upstream.received;
      expect(got!.url).toBe('/v1/catalog/products?ids=sku-1');
      expect(got!.headers).not.toHaveProperty('x-api-key');
      expect(await assertedPrincipal(got!.headers)).toMatchObject({
        role: 'admin',
        actor: { kind: 'api_key', id: key.id },
      });
    });

    it('let analysts read but not write, and agents do neither', async () => {
      const analyst = await addMember(gateway, owner.token, 'analyst');
      const agent = await addMember(gateway, owner.token, 'agent');
      const read = await gateway.app.inject({
        method: 'GET',
        url: '/v1/catalog/progress',
        headers: bearer(analyst.token),
      });
      expect(read.statusCode).toBe(201);
      expect((await assertedPrincipal(upstream.received[0]!.headers)).role).toBe('analyst');

      upstream.received.length = 0;
      for (const url of ['/v1/catalog/products', '/v1/search-settings']) {
        const write = await gateway.app.inject({
          method: 'PUT',
          url,
          headers: bearer(analyst.token),
          payload: { confidence: 0.8 },
        });
        expectProblem(write, 403, 'forbidden');
      }
      expectProblem(
        await gateway.app.inject({ method: 'GET', url: '/v1/search-settings', headers: bearer(agent.token) }),
        403,
        'forbidden',
      );
      expect(upstream.received).toEqual([]);
    });
  });

  describe('when search cannot answer', () => {
    it('answers 503 problem+json when search is down', async () => {
      const down = await gateway.buildApp({
        env: { SEARCH_SERVICE_URL: `http://127.0.0.1:${await closedPort()}` },
      });
      expectProblem(
        await down.inject({ method: 'POST', url: '/v1/search/text', payload: { query: 'shoes' } }),
        503,
        'unavailable',
      );
      expectProblem(
        await down.inject({ method: 'GET', url: '/v1/catalog/products', headers: bearer(owner.token) }),
        503,
        'unavailable',
      );
    });

    it('answers 503 problem+json when search is slower than the timeout', async () => {
      const response = await gateway.app.inject({ method: 'GET', url: '/v1/search/slow' });
      expectProblem(response, 503, 'unavailable');
      expect(response.json().detail).toMatch(/did not answer in time/);
    });
  });

  describe('per-route body limits', () => {
    // Uploads of tens of MB on a loaded machine: the default service timeout, not the 500 ms above.
    let patient: App;
    beforeAll(async () => {
      patient = await gateway.buildApp({
        env: { SEARCH_SERVICE_URL: upstream.url, SYNC_WORKER_URL: syncWorker.url },
      });
    });
    const send = (method: 'POST' | 'PUT', url: string, payload: Buffer | Readable, headers = {}) =>
      patient.inject({
        method,
        url,
        headers: { 'content-type': 'application/octet-stream', ...bearer(owner.token), ...headers },
        payload,
      });

    it('let a catalog upsert through up to its documented size, and no further', async () => {
      const upsert = Buffer.alloc(CATALOG_LIMITS.upsertBodyBytes, 0x61);
      const accepted = await send('PUT', '/v1/catalog/products', upsert, {
        'content-type': 'application/json',
      });
      expect(accepted.statusCode).toBe(201);
      expect(upstream.received[0]).toMatchObject({ bodyBytes: upsert.length, bodySha256: sha256(upsert) });

      upstream.received.length = 0;
      const over = Buffer.alloc(CATALOG_LIMITS.upsertBodyBytes + 1, 0x61);
      expectProblem(await send('PUT', '/v1/catalog/products', over), 413, 'payload_too_large');
      expect(upstream.received).toEqual([]);
    });

    it('keep the default limit on every other route, catalog writes included', async () => {
      const atLimit = Buffer.alloc(FORWARDED_BODY_LIMIT_BYTES);
      expect((await send('POST', '/v1/catalog/products/delete', atLimit)).statusCode).toBe(201);
      expect(upstream.received[0]!.bodyBytes).toBe(FORWARDED_BODY_LIMIT_BYTES);

      for (const [method, url] of [
        ['POST', '/v1/catalog/products/delete'],
        ['PUT', '/v1/search-settings'],
        ['POST', '/v1/sync/runs'],
        ['PUT', '/v1/connection'],
      ] as const) {
        const over = await send(method, url, Buffer.alloc(FORWARDED_BODY_LIMIT_BYTES + 1));
        expectProblem(over, 413, 'payload_too_large');
      }
    });

    it('take platform webhooks up to 5 MiB, declared or streamed', async () => {
      const atLimit = randomBytes(WEBHOOK_BODY_LIMIT_BYTES);
      const accepted = await send('POST', '/v1/webhooks/shopify', atLimit);
      expect(accepted.statusCode).toBe(201);
      expect(syncWorker.received[0]).toMatchObject({
        bodyBytes: atLimit.length,
        bodySha256: sha256(atLimit),
      });

      syncWorker.received.length = 0;
      const declared = await send(
        'POST',
        '/v1/webhooks/woocommerce/store-1',
        Buffer.alloc(WEBHOOK_BODY_LIMIT_BYTES + 1),
      );
      expectProblem(declared, 413, 'payload_too_large');
      const chunk = Buffer.alloc(1024 * 1024);
      const streamed = await send(
        'POST',
        '/v1/webhooks/shopify',
        Readable.from(Array.from({ length: 6 }, () => chunk)),
        { 'transfer-encoding': 'chunked' },
      );
      expectProblem(streamed, 413, 'payload_too_large');
      expect(streamed.json().detail).toContain(String(WEBHOOK_BODY_LIMIT_BYTES));
    });
  });

  describe('sync worker routes', () => {
    const assertedFor = (headers: IncomingHttpHeaders, audience: 'sync-worker' | 'search') =>
      verifyInternalPrincipal(String(headers['x-nlyzer-principal']), {
        secret: internalAuthSecret(gateway.config),
        audience,
      });

    it('need credentials, except the platform callbacks', async () => {
      for (const [method, url] of [
        ['GET', '/v1/connection'],
        ['PUT', '/v1/connection'],
        ['PATCH', '/v1/connection/settings'],
        ['POST', '/v1/connection/shopify/install'],
        ['GET', '/v1/connection/shopify/anything-else'],
        ['GET', '/v1/sync/runs'],
        ['POST', '/v1/sync/runs'],
        ['GET', '/v1/quality-report'],
        ['GET', '/v1/onboarding'],
      ] as const) {
        expectProblem(await gateway.app.inject({ method, url }), 401, 'unauthenticated');
      }
      expect(syncWorker.received).toEqual([]);
      expect(upstream.received).toEqual([]);
    });

    it('reach the sync worker with a principal assertion for it, not for search', async () => {
      const response = await gateway.app.inject({
        method: 'PUT',
        url: '/v1/connection',
        headers: { ...bearer(owner.token), 'content-type': 'application/json' },
        payload: { platform: 'custom', feed_url: 'https://shop.example/feed.json' },
      });
      expect(response.statusCode).toBe(201);
      expect(response.headers['x-served-by']).toBe('sync-worker');
      expect(upstream.received).toEqual([]);
      const [got] = syncWorker.received;
      expect(got).toMatchObject({ method: 'PUT', url: '/v1/connection' });
      expect(got!.headers).not.toHaveProperty('authorization');
      expect(await assertedFor(got!.headers, 'sync-worker')).toEqual({
        storeId: owner.storeId,
        role: 'owner',
        actor: { kind: 'user', id: owner.userId },
        tier: 'growth',
      });
      // An assertion for the sync worker is no good at search.
      await expect(assertedFor(got!.headers, 'search')).rejects.toThrow();
    });

    it('forward every merchant resource with its path and query', async () => {
      for (const url of [
        '/v1/connection/shopify/install',
        '/v1/sync/runs?limit=5',
        '/v1/sync/runs/4f1c6f1e-3b8a-4a57-9a0b-1d6f7c1e2a3b/log?cursor=10',
        '/v1/quality-report',
        '/v1/onboarding',
      ]) {
        const method = url.endsWith('/install') ? 'POST' : 'GET';
        const response = await gateway.app.inject({ method, url, headers: bearer(owner.token) });
        expect(response.statusCode, url).toBe(201);
        expect(syncWorker.received.at(-1)).toMatchObject({ method, url });
      }
    });

    it('let analysts read but not write, and agents do neither', async () => {
      const analyst = await addMember(gateway, owner.token, 'analyst');
      const agent = await addMember(gateway, owner.token, 'agent');
      for (const url of ['/v1/connection', '/v1/sync/runs', '/v1/quality-report', '/v1/onboarding']) {
        const read = await gateway.app.inject({ method: 'GET', url, headers: bearer(analyst.token) });
        expect(read.statusCode, url).toBe(201);
        expectProblem(
          await gateway.app.inject({ method: 'GET', url, headers: bearer(agent.token) }),
          403,
          'forbidden',
        );
      }
      syncWorker.received.length = 0;
      for (const [method, url] of [
        ['POST', '/v1/sync/runs'],
        ['PUT', '/v1/connection'],
        ['DELETE', '/v1/connection'],
        ['POST', '/v1/connection/shopify/install'],
      ] as const) {
        expectProblem(
          await gateway.app.inject({ method, url, headers: bearer(analyst.token), payload: {} }),
          403,
          'forbidden',
        );
      }
      expect(syncWorker.received).toEqual([]);
    });

    it("pass Shopify's OAuth callback through unauthenticated, its query string intact", async () => {
      const query =
        'code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf' +
        '&host=YWNtZS5teXNob3BpZnkuY29tL2FkbWlu&shop=acme.myshopify.com&state=0.6784241404160823&timestamp=1337178173';
      const response = await gateway.app.inject({
        method: 'GET',
        url: `/v1/connection/shopify/callback?${query}`,
        headers: { cookie: `nlz_session=${owner.token}`, 'x-nlyzer-principal': 'forged-by-the-client' },
      });
      expect(response.statusCode).toBe(201);
      const [got] = syncWorker.received;
      expect(got!.url).toBe(`/v1/connection/shopify/callback?${query}`);
      expect(got!.headers).not.toHaveProperty('x-nlyzer-principal');
      // The merchant's session stays at the edge: the callback is verified by Shopify's HMAC.
      expect(got!.headers).not.toHaveProperty('cookie');
    });

    it('pass platform webhooks through unauthenticated, byte for byte with their signature headers', async () => {
      const shopifyBody = Buffer.from('{"id": 788032119674292922,\n  "title":"Caf\u00e9 ☕" }\n');
      const shopifyHeaders = {
        'content-type': 'application/json',
        'x-shopify-hmac-sha256': 'XWmrwMey6OsLMeiZKwP4FppHH3cmAiiJJAweH5Jo4bM=',
        'x-shopify-topic': 'products/update',
        'x-shopify-shop-domain': 'acme.myshopify.com',
        'x-shopify-webhook-id': 'b54557e4-bdd9-4b37-8a5f-bf7d70bcd043',
      };
      const shopify = await gateway.app.inject({
        method: 'POST',
        url: '/v1/webhooks/shopify',
        headers: shopifyHeaders,
        payload: shopifyBody,
      });
      expect(shopify.statusCode).toBe(201);
      expect(syncWorker.received[0]).toMatchObject({
        method: 'POST',
        url: '/v1/webhooks/shopify',
        bodySha256: sha256(shopifyBody),
        bodyBytes: shopifyBody.length,
      });
      expect(syncWorker.received[0]!.headers).toMatchObject(shopifyHeaders);

      const ping = 'webhook_id=42';
      const woo = await gateway.app.inject({
        method: 'POST',
        url: `/v1/webhooks/woocommerce/${owner.storeId}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-wc-webhook-id': '42' },
        payload: ping,
      });
      expect(woo.statusCode).toBe(201);
      expect(syncWorker.received[1]).toMatchObject({
        url: `/v1/webhooks/woocommerce/${owner.storeId}`,
        bodySha256: sha256(ping),
      });
      expect(upstream.received).toEqual([]);
    });

    it('answer 503 problem+json naming the sync worker when it is down', async () => {
      const down = await gateway.buildApp({
        env: { SEARCH_SERVICE_URL: upstream.url, SYNC_WORKER_URL: `http://127.0.0.1:${await closedPort()}` },
      });
      const onboarding = await down.inject({
        method: 'GET',
        url: '/v1/onboarding',
        headers: bearer(owner.token),
      });
      expectProblem(onboarding, 503, 'unavailable');
      expect(onboarding.json().detail).toBe('The sync-worker service is unavailable');
      expectProblem(
        await down.inject({ method: 'POST', url: '/v1/webhooks/shopify', payload: { id: 1 } }),
        503,
        'unavailable',
      );
      // Search is not affected.
      expect((await down.inject({ method: 'GET', url: '/v1/search/similar/sku-1' })).statusCode).toBe(201);
    });
  });
});
