import { setTimeout as sleep } from 'node:timers/promises';
import { currentCorrelation } from '@nlyzer/bus';
import Type from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, captureLogs, openRealParts, type RealParts, testConfig } from '../test/fixtures.ts';
import type { App, RouteModule } from './create-app.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const routes: RouteModule = async (app) => {
  app.get('/correlation', async (request) => {
    await sleep(1);
    request.log.info({ user: { email: 'owner@shop.test' } }, 'handled');
    return { correlation: currentCorrelation() ?? null };
  });
  app.post('/correlation', { schema: { body: Type.Object({ note: Type.String() }) } }, async () => {
    await sleep(1);
    return { correlation: currentCorrelation() ?? null };
  });
  app.get('/parts', async () => ({
    port: app.config.PORT,
    db: app.db.driver,
    bus: app.bus.driver,
    shuttingDown: app.lifecycle.shuttingDown,
  }));
};

let parts: RealParts;
let app: App;
const logs = captureLogs();

beforeAll(async () => {
  parts = await openRealParts();
  app = await buildApp(parts, {
    logger: logs.logger,
    config: testConfig({ GOOGLE_CLOUD_PROJECT: 'nlyzer-test' }),
  });
  await app.register(routes);
});

afterAll(async () => {
  await app.close();
  await parts.bus.close();
  await parts.db.close();
});

describe('request ids', () => {
  it('takes a valid incoming X-Request-ID and echoes it', async () => {
    const response = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'edge:7f3a.b-1_2' } });
    expect(response.headers['x-request-id']).toBe('edge:7f3a.b-1_2');
  });

  it('generates a uuid when the header is absent', async () => {
    const response = await app.inject({ url: '/healthz' });
    expect(response.headers['x-request-id']).toMatch(UUID);
  });

  it('replaces an invalid or oversized header with a uuid', async () => {
    for (const bad of ['has space', 'x'.repeat(129), 'inject"\n{"severity":"CRITICAL"}', '']) {
      const response = await app.inject({ url: '/healthz', headers: { 'x-request-id': bad } });
      expect(response.headers['x-request-id'], bad).toMatch(UUID);
    }
    const longest = 'a'.repeat(128);
    expect(
      (await app.inject({ url: '/healthz', headers: { 'x-request-id': longest } })).headers['x-request-id'],
    ).toBe(longest);
  });

  it('echoes the request id on error responses', async () => {
    const notFound = await app.inject({ url: '/missing', headers: { 'x-request-id': 'req-404' } });
    expect(notFound.headers['x-request-id']).toBe('req-404');
    expect(notFound.json().request_id).toBe('req-404');
    const invalid = await app.inject({
      method: 'POST',
      url: '/correlation',
      headers: { 'x-request-id': 'req-400' },
      payload: { note: 7 },
    });
    expect(invalid.statusCode).toBe(400);
    expect(invalid.headers['x-request-id']).toBe('req-400');
  });
});

describe('correlation context', () => {
  it('is the request id inside handlers, after awaits', async () => {
    const response = await app.inject({ url: '/correlation', headers: { 'x-request-id': 'corr-get' } });
    expect(response.json()).toEqual({ correlation: { correlationId: 'corr-get', causationId: null } });
  });

  it('survives body parsing', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/correlation',
      headers: { 'x-request-id': 'corr-post' },
      payload: { note: 'x'.repeat(100_000) },
    });
    expect(response.json()).toEqual({ correlation: { correlationId: 'corr-post', causationId: null } });
  });

  it('does not leak between concurrent requests', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `concurrent-${i}`);
    const responses = await Promise.all(
      ids.map((id) => app.inject({ url: '/correlation', headers: { 'x-request-id': id } })),
    );
    expect(responses.map((r) => r.json().correlation.correlationId)).toEqual(ids);
  });
});

describe('decorations', () => {
  it('exposes config, db, bus and lifecycle to route modules', async () => {
    expect((await app.inject({ url: '/parts' })).json()).toEqual({
      port: 8080,
      db: 'pglite',
      bus: 'memory',
      shuttingDown: false,
    });
  });
});

describe('request logging', () => {
  it('puts request and correlation ids and the trace on every line of a request', async () => {
    await app.inject({
      url: '/correlation?token=secret-token&page=2',
      headers: {
        'x-request-id': 'log-1',
        'user-agent': 'vitest',
        'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
      },
    });
    const lines = logs.lines().filter((line) => line.request_id === 'log-1');
    expect(lines.map((line) => line.message)).toEqual(['handled', 'request completed']);
    for (const line of lines) {
      expect(line).toMatchObject({
        correlation_id: 'log-1',
        serviceContext: { service: 'test-service' },
        'logging.googleapis.com/trace': 'projects/nlyzer-test/traces/105445aa7843bc8bf206b12000100000',
        'logging.googleapis.com/spanId': '0000000000000001',
        'logging.googleapis.com/trace_sampled': true,
      });
    }
    const [handled, completed] = lines;
    expect(handled.user.email).toBe('[REDACTED]');
    expect(completed.severity).toBe('INFO');
    expect(completed.httpRequest).toMatchObject({
      requestMethod: 'GET',
      requestUrl: '/correlation?token=%5BREDACTED%5D&page=2',
      status: 200,
      userAgent: 'vitest',
      protocol: 'HTTP/1.1',
      latency: expect.stringMatching(/^\d+\.\d{3}s$/),
    });
    expect(JSON.stringify(lines)).not.toContain('secret-token');
  });

  it('logs probes at debug only', async () => {
    await app.inject({ url: '/healthz', headers: { 'x-request-id': 'probe-1' } });
    const [line] = logs.lines().filter((l) => l.request_id === 'probe-1');
    expect(line.severity).toBe('DEBUG');
  });
});
