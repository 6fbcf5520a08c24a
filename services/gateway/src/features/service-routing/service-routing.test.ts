import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { internalAuthSecret, verifyInternalPrincipal } from '@nlyzer/service-kit';
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

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bodyBytes: number;
  bodySha256: string;
}

/** A stand-in search service on a loopback port: records each request and answers like search would. */
async function startUpstream(): Promise<{ server: Server; url: string; received: Received[] }> {
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
    response.writeHead(201, { 'content-type': 'application/json', 'x-served-by': 'search' });
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

describe('service routing to search', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let gateway: TestGateway;
  let owner: SignedUp;

  beforeAll(async () => {
    upstream = await startUpstream();
    gateway = await startTestGateway({
      env: { SEARCH_SERVICE_URL: upstream.url, SEARCH_SERVICE_TIMEOUT_MS: '500' },
    });
    owner = await signUp(gateway, { tier: 'growth' });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await gateway?.close();
    upstream?.server.closeAllConnections();
    await new Promise((resolve) => upstream?.server.close(resolve));
  });
  beforeEach(() => {
    upstream.received.length = 0;
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
});
