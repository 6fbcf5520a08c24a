import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorError } from './connector-error.ts';
import { createPlatformHttp, type PlatformHttpConfig, parseRetryAfter } from './platform-http.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function serve(handler: Handler): Promise<{ port: number; seen: IncomingMessage[] }> {
  const seen: IncomingMessage[] = [];
  const server = createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  cleanups.push(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  });
  return { port: (server.address() as AddressInfo).port, seen };
}

/** A client whose waits are recorded instead of slept. */
function client(config: PlatformHttpConfig = {}) {
  const waits: number[] = [];
  const http = createPlatformHttp({
    allowPrivateNetworks: true,
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...config,
  });
  cleanups.push(() => http.close());
  return { http, waits };
}

async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(err)}`);
  return err;
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));

describe('createPlatformHttp', () => {
  it('retries 503 and 429 as long as Retry-After says, then returns the body', async () => {
    let calls = 0;
    const { port } = await serve((_req, res) => {
      calls++;
      if (calls === 1) return json(res, 503, {}, { 'retry-after': '3' });
      if (calls === 2)
        return json(res, 429, {}, { 'retry-after': new Date(Date.now() + 10_000).toUTCString() });
      json(res, 200, { ok: true }, { 'x-wp-total': '7' });
    });
    const { http, waits } = client();
    const response = await http.json<{ ok: boolean }>(`http://127.0.0.1:${port}/x`);
    expect(response.body).toEqual({ ok: true });
    expect(response.headers['x-wp-total']).toBe('7');
    expect(waits[0]).toBe(3000);
    expect(waits[1]).toBeGreaterThan(8000);
    expect(waits[1]).toBeLessThanOrEqual(10_000);
  });

  it('backs off exponentially with jitter without Retry-After, and reports exhausted throttling', async () => {
    const { port, seen } = await serve((_req, res) => json(res, 429, { code: 'too_many' }));
    const { http, waits } = client({ maxRetries: 3 });
    const err = await failure(http.json(`http://127.0.0.1:${port}/x`));
    expect(err.code).toBe('platform_rate_limited');
    expect(err.retryable).toBe(true);
    expect(seen).toHaveLength(4);
    expect(waits).toHaveLength(3);
    waits.forEach((wait, attempt) => {
      expect(wait).toBeGreaterThanOrEqual(0);
      expect(wait).toBeLessThanOrEqual(500 * 2 ** attempt);
    });
  });

  it('turns 401/403 into platform_auth_failed without retrying, other 4xx into invalid_platform_response', async () => {
    const { port, seen } = await serve((req, res) =>
      req.url === '/denied'
        ? json(res, 401, {
            code: 'woocommerce_rest_cannot_view',
            message: 'Sorry, you cannot list resources.',
          })
        : json(res, 404, { code: 'rest_no_route' }),
    );
    const { http, waits } = client();
    const denied = await failure(http.json(`http://127.0.0.1:${port}/denied`));
    expect(denied.code).toBe('platform_auth_failed');
    expect(denied.message).toContain('Sorry, you cannot list resources');
    const missing = await failure(http.json(`http://127.0.0.1:${port}/missing`));
    expect(missing.code).toBe('invalid_platform_response');
    expect(missing.message).toContain('HTTP 404');
    expect(seen).toHaveLength(2);
    expect(waits).toEqual([]);
    const accepted = await http.json(`http://127.0.0.1:${port}/missing`, { acceptStatuses: [404] });
    expect(accepted.status).toBe(404);
  });

  it('reports an unreachable platform after retrying, and a body that is not JSON', async () => {
    const { port } = await serve((_req, res) => res.writeHead(200).end('<html>'));
    const { http, waits } = client({ maxRetries: 2 });
    const down = await failure(http.json('http://127.0.0.1:1/x'));
    expect(down.code).toBe('platform_unavailable');
    expect(waits).toHaveLength(2);
    const garbled = await failure(http.json(`http://127.0.0.1:${port}/x`));
    expect(garbled.code).toBe('invalid_platform_response');
  });

  it('times out a server that never answers', async () => {
    const { port } = await serve(() => {});
    const { http } = client({ timeoutMs: 200, maxRetries: 0 });
    const err = await failure(http.json(`http://127.0.0.1:${port}/slow`));
    expect(err.code).toBe('platform_unavailable');
  });

  it('refuses loopback, link-local (metadata) and private addresses unless allowed', async () => {
    const { port } = await serve((_req, res) => json(res, 200, {}));
    const { http, waits } = client({
      allowPrivateNetworks: false,
      lookup: async (host) => [
        { address: host === 'intranet.test' ? '10.1.2.3' : '93.184.215.14', family: 4 },
      ],
    });
    for (const url of [
      `http://127.0.0.1:${port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::1]/',
      'http://intranet.test/wp-json/',
    ]) {
      const err = await failure(http.json(url));
      expect(err.code, url).toBe('platform_unavailable');
      expect(err.message, url).toContain('not public');
    }
    expect(waits).toEqual([]);
  });

  it('checks every redirect hop and drops credentials when the origin changes', async () => {
    const { port, seen } = await serve((req, res) => {
      if (req.url === '/to-private') return res.writeHead(302, { location: 'http://intranet.test/' }).end();
      if (req.url === '/to-metadata')
        return res.writeHead(301, { location: 'http://169.254.169.254/' }).end();
      if (req.url === '/to-cdn')
        return res.writeHead(307, { location: `http://cdn.test:${port}/file` }).end();
      json(res, 200, { auth: req.headers.authorization ?? null });
    });
    const { http } = client({
      allowPrivateNetworks: false,
      allowedPrivateRanges: ['127.0.0.0/8'],
      lookup: async (host) => [{ address: host === 'intranet.test' ? '10.1.2.3' : '127.0.0.1', family: 4 }],
    });
    const headers = { authorization: 'Basic c2VjcmV0' };
    expect((await failure(http.json(`http://shop.test:${port}/to-private`, { headers }))).message).toContain(
      'not public',
    );
    expect((await failure(http.json(`http://shop.test:${port}/to-metadata`, { headers }))).message).toContain(
      'not public',
    );
    const moved = await http.json<{ auth: string | null }>(`http://shop.test:${port}/to-cdn`, { headers });
    expect(moved.body.auth).toBeNull();
    const same = await http.json<{ auth: string | null }>(`http://shop.test:${port}/file`, { headers });
    expect(same.body.auth).toBe('Basic c2VjcmV0');
    expect(seen.map((req) => req.headers.host)).toContain(`cdn.test:${port}`);
  });

  it("stops at once when the caller aborts, with the caller's reason", async () => {
    const { port } = await serve((_req, res) => json(res, 503, {}, { 'retry-after': '60' }));
    const http = createPlatformHttp({ allowPrivateNetworks: true });
    cleanups.push(() => http.close());
    const controller = new AbortController();
    const started = performance.now();
    const pending = http.json(`http://127.0.0.1:${port}/x`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('run cancelled')), 100);
    await expect(pending).rejects.toThrow('run cancelled');
    expect(performance.now() - started).toBeLessThan(5_000);
  });

  it('refuses URLs that are not http(s)', async () => {
    const { http } = client();
    expect((await failure(http.json('file:///etc/passwd'))).code).toBe('invalid_platform_response');
    expect((await failure(http.json('not a url'))).code).toBe('invalid_platform_response');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, caps long waits, and ignores garbage', () => {
    const now = Date.parse('2026-11-22T10:00:00Z');
    expect(parseRetryAfter('2', now)).toBe(2000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('86400', now)).toBe(120_000);
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
