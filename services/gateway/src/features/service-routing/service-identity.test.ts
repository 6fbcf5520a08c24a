import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type App, createApp, createLogger, internalAuthSecret, loadConfig } from '@nlyzer/service-kit';
import { decodeJwt, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  expectProblem,
  SETUP_TIMEOUT_MS,
  startTestGateway,
  type TestGateway,
} from '../../../test/harness.ts';
import { gatewayConfigSchema } from '../../config.ts';
import { serviceIdentityFor } from './service-identity.ts';
import { createServiceRoutingFeature } from './service-routing-feature.ts';

const IDENTITY_PATH = '/computeMetadata/v1/instance/service-accounts/default/identity';
const SIGNING_KEY = new TextEncoder().encode('metadata-server-stand-in-signing-key');

interface MetadataServer {
  server: Server;
  host: string;
  /** The audience of each identity request, in order. */
  requests: { audience: string | null; format: string | null }[];
  /** What the next identity requests get. */
  answer: { status: number; lifetimeSeconds: number; delayMs: number };
}

/**
 * A stand-in for the metadata server: a JWT as plain text for each audience, 403 without
 * Metadata-Flavor, and the configured error status otherwise.
 */
async function startMetadataServer(): Promise<MetadataServer> {
  const metadata: MetadataServer = {
    server: createServer(),
    host: '',
    requests: [],
    answer: { status: 200, lifetimeSeconds: 3600, delayMs: 0 },
  };
  metadata.server.on('request', async (request, response) => {
    const url = new URL(request.url!, 'http://metadata');
    if (request.headers['metadata-flavor'] !== 'Google') {
      response.writeHead(403, { 'content-type': 'text/html' });
      return response.end('Missing Metadata-Flavor:Google header.');
    }
    if (url.pathname !== IDENTITY_PATH) {
      response.writeHead(404, { 'content-type': 'text/html' });
      return response.end('Not Found');
    }
    const audience = url.searchParams.get('audience');
    metadata.requests.push({ audience, format: url.searchParams.get('format') });
    const { status, lifetimeSeconds, delayMs } = metadata.answer;
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (status !== 200) {
      response.writeHead(status, { 'content-type': 'text/plain' });
      return response.end(status === 404 ? 'Not Found' : 'Internal Server Error');
    }
    const token = await new SignJWT({ email: 'gateway@project.iam.gserviceaccount.com' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('https://accounts.google.com')
      .setAudience(audience ?? '')
      .setJti(crypto.randomUUID())
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + lifetimeSeconds)
      .sign(SIGNING_KEY);
    response.writeHead(200, { 'content-type': 'text/plain', 'metadata-flavor': 'Google' });
    response.end(token);
  });
  await new Promise<void>((resolve) => metadata.server.listen(0, '127.0.0.1', resolve));
  metadata.host = `127.0.0.1:${(metadata.server.address() as AddressInfo).port}`;
  return metadata;
}

type Upstream = { server: Server; url: string; received: IncomingHttpHeaders[] };

/** A service that records the headers of each request. */
async function startUpstream(): Promise<Upstream> {
  const received: IncomingHttpHeaders[] = [];
  const server = createServer(async (request, response) => {
    for await (const _chunk of request);
    received.push(request.headers);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

async function stop(server: Server | undefined): Promise<void> {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
}

const tokenOf = (headers: IncomingHttpHeaders | undefined): string => {
  const value = String(headers?.['x-serverless-authorization']);
  expect(value).toMatch(/^Bearer /);
  return value.slice('Bearer '.length);
};

describe('service identity', () => {
  let gateway: TestGateway;
  let metadata: MetadataServer;
  let search: Upstream;
  let syncWorker: Upstream;
  const apps: App[] = [];

  beforeAll(async () => {
    [gateway, metadata, search, syncWorker] = await Promise.all([
      startTestGateway(),
      startMetadataServer(),
      startUpstream(),
      startUpstream(),
    ]);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    for (const app of apps) await app.close();
    await gateway?.close();
    await Promise.all([stop(metadata?.server), stop(search?.server), stop(syncWorker?.server)]);
  });
  beforeEach(() => {
    metadata.requests.length = 0;
    metadata.answer = { status: 200, lifetimeSeconds: 3600, delayMs: 0 };
    search.received.length = 0;
    syncWorker.received.length = 0;
  });

  /** A gateway with only the routing feature, under SERVICE_AUTH (and GCE_METADATA_HOST) from `env`. */
  async function routingApp(env: Record<string, string>): Promise<App> {
    const config = loadConfig(gatewayConfigSchema, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NLYZER_DATA_DIR: 'memory://',
      ...env,
    });
    const app = await createApp({
      name: 'gateway',
      config,
      db: gateway.db,
      bus: gateway.bus,
      outbox: gateway.outbox,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
    });
    await app.register(
      createServiceRoutingFeature({
        search: { url: `${search.url}/`, timeoutMs: 2000 },
        syncWorker: { url: syncWorker.url, timeoutMs: 2000 },
        principalSecret: internalAuthSecret(config),
        serviceIdentity: serviceIdentityFor(config),
      }),
    );
    await app.ready();
    apps.push(app);
    return app;
  }

  const withIdTokens = () =>
    routingApp({ SERVICE_AUTH: 'google-id-token', GCE_METADATA_HOST: metadata.host });

  const searchRequest = (app: App, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: '/v1/search/similar/sku-1', headers });
  const webhookRequest = (app: App) =>
    app.inject({
      method: 'POST',
      url: '/v1/webhooks/shopify',
      headers: { 'content-type': 'application/json', 'x-shopify-hmac-sha256': 'c2lnbmF0dXJl' },
      payload: '{"id":1}',
    });

  it("sends each service a token for its own URL in X-Serverless-Authorization, leaving Authorization the client's", async () => {
    const app = await withIdTokens();
    const response = await searchRequest(app, { authorization: 'Bearer widget-token' });
    expect(response.statusCode).toBe(200);
    expect((await webhookRequest(app)).statusCode).toBe(200);

    expect(metadata.requests).toEqual([
      { audience: search.url, format: 'full' },
      { audience: syncWorker.url, format: 'full' },
    ]);
    expect(search.received[0]!.authorization).toBe('Bearer widget-token');
    expect(decodeJwt(tokenOf(search.received[0])).aud).toBe(search.url);
    expect(decodeJwt(tokenOf(syncWorker.received[0])).aud).toBe(syncWorker.url);
  });

  it('reuses a token across requests while it is far from expiry, one fetch for concurrent requests', async () => {
    metadata.answer.delayMs = 150;
    const app = await withIdTokens();
    const responses = await Promise.all(Array.from({ length: 5 }, () => searchRequest(app)));
    expect(responses.map((r) => r.statusCode)).toEqual([200, 200, 200, 200, 200]);
    await searchRequest(app);

    expect(metadata.requests).toHaveLength(1);
    const tokens = new Set(search.received.map(tokenOf));
    expect(search.received).toHaveLength(6);
    expect(tokens.size).toBe(1);
  });

  it('fetches a fresh token once the cached one is within five minutes of expiry', async () => {
    metadata.answer.lifetimeSeconds = 4 * 60;
    const app = await withIdTokens();
    await searchRequest(app);
    metadata.answer.lifetimeSeconds = 3600;
    await searchRequest(app);
    await searchRequest(app);

    expect(metadata.requests).toHaveLength(2);
    const [first, second, third] = search.received.map(tokenOf);
    expect(second).not.toBe(first);
    expect(third).toBe(second);
  });

  it('keeps sending a still-valid token when its refresh fails', async () => {
    metadata.answer.lifetimeSeconds = 4 * 60;
    const app = await withIdTokens();
    await searchRequest(app);
    metadata.answer.status = 500;
    const response = await searchRequest(app);

    expect(response.statusCode).toBe(200);
    expect(metadata.requests).toHaveLength(2);
    expect(tokenOf(search.received[1])).toBe(tokenOf(search.received[0]));
  });

  it('answers 503 naming the service when no token can be had, and tries again on the next request', async () => {
    const app = await withIdTokens();
    metadata.answer.status = 404;
    const searchFailure = await searchRequest(app);
    expectProblem(searchFailure, 503, 'unavailable');
    expect(searchFailure.json().detail).toBe('The search service is unavailable');
    // The token comes before the body is read: the client's connection is not reused.
    const webhookFailure = await webhookRequest(app);
    expectProblem(webhookFailure, 503, 'unavailable');
    expect(webhookFailure.json().detail).toBe('The sync-worker service is unavailable');
    expect(webhookFailure.headers.connection).toBe('close');
    expect(search.received).toHaveLength(0);
    expect(syncWorker.received).toHaveLength(0);

    metadata.answer.status = 200;
    expect((await searchRequest(app)).statusCode).toBe(200);
    expect(metadata.requests).toHaveLength(3);
  });

  it('answers 503 when the metadata server cannot be reached', async () => {
    const app = await routingApp({ SERVICE_AUTH: 'google-id-token', GCE_METADATA_HOST: '127.0.0.1:1' });
    const response = await searchRequest(app);
    expectProblem(response, 503, 'unavailable');
    expect(response.json().detail).toBe('The search service is unavailable');
  });

  it('never passes on a client-sent X-Serverless-Authorization', async () => {
    const forged = { 'x-serverless-authorization': 'Bearer forged-by-the-client' };
    const anonymous = await routingApp({});
    await searchRequest(anonymous, forged);
    expect(search.received[0]).not.toHaveProperty('x-serverless-authorization');
    expect(metadata.requests).toHaveLength(0);

    const identified = await withIdTokens();
    await searchRequest(identified, forged);
    expect(decodeJwt(tokenOf(search.received[1])).aud).toBe(search.url);
  });
});
