import { createHash } from 'node:crypto';
import diagnosticsChannel from 'node:diagnostics_channel';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ResolveHost } from './connect-guard.ts';
import { ImageFetchError } from './image-fetch-error.ts';
import { createImageFetcher, type ImageFetcher, type ImageFetcherOptions } from './image-fetcher.ts';

// Every server here listens on loopback; the refused addresses are never connected to.

const PNG = Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(2048, 7)]);

interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
  at: number;
}

interface TestServer {
  port: number;
  url(path?: string): string;
  requests: SeenRequest[];
  maxInFlight: number;
}

type Handler = (req: IncomingMessage, res: ServerResponse, nth: number) => unknown;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startServer(handler: Handler, host = '127.0.0.1', port = 0): Promise<TestServer> {
  let inFlight = 0;
  const state: TestServer = {
    port: 0,
    url: (path = '/image.png') => `http://${host.includes(':') ? `[${host}]` : host}:${state.port}${path}`,
    requests: [],
    maxInFlight: 0,
  };
  const server = createServer(async (req, res) => {
    state.requests.push({ path: req.url ?? '', headers: req.headers, at: performance.now() });
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    await handler(req, res, state.requests.length);
  });
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  state.port = (server.address() as AddressInfo).port;
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return state;
}

function sendImage(res: ServerResponse, body: Buffer = PNG, type = 'image/png'): void {
  res.writeHead(200, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

function fetcher(options: ImageFetcherOptions = {}): ImageFetcher {
  const created = createImageFetcher(options);
  cleanups.push(() => created.close());
  return created;
}

/** A DNS stand-in: fixed answers per hostname, counting the questions. */
function fakeDns(answers: Record<string, string[]>): ResolveHost & { asked: string[] } {
  const asked: string[] = [];
  const resolve = async (hostname: string) => {
    asked.push(hostname);
    const addresses = answers[hostname];
    if (addresses === undefined)
      throw Object.assign(new Error(`no such host ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(resolve, { asked });
}

/** Connections undici opened or tried, as seen on its diagnostics channels. */
const connections = { attempted: [] as string[], established: [] as string[] };
const onAttempt = (message: unknown) => {
  connections.attempted.push((message as { connectParams: { hostname: string } }).connectParams.hostname);
};
const onConnected = (message: unknown) => {
  connections.established.push((message as { socket: { remoteAddress: string } }).socket.remoteAddress);
};

beforeEach(() => {
  connections.attempted.length = 0;
  connections.established.length = 0;
  diagnosticsChannel.subscribe('undici:client:beforeConnect', onAttempt);
  diagnosticsChannel.subscribe('undici:client:connected', onConnected);
  return () => {
    diagnosticsChannel.unsubscribe('undici:client:beforeConnect', onAttempt);
    diagnosticsChannel.unsubscribe('undici:client:connected', onConnected);
  };
});

async function failure(promise: Promise<unknown>): Promise<ImageFetchError> {
  const err = await promise.then(
    () => expect.fail('the fetch should have failed'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ImageFetchError);
  return err as ImageFetchError;
}

describe('fetching from a local server (private networks allowed)', () => {
  it('returns the bytes, their hash and type, and asks for an uncompressed image', async () => {
    const server = await startServer((_req, res) => sendImage(res, PNG, 'image/png; charset=binary'));
    const image = await fetcher({ allowPrivateNetworks: true }).fetch(server.url());

    expect(image).toMatchObject({ url: server.url(), finalUrl: server.url(), contentType: 'image/png' });
    expect(image.bytes.equals(PNG)).toBe(true);
    expect(image.sha256).toBe(createHash('sha256').update(PNG).digest('hex'));
    expect(image.durationMs).toBeGreaterThanOrEqual(0);
    expect(server.requests[0]?.headers).toMatchObject({
      'user-agent': 'NLyzerBot/1.0 (+https://nlyzer.dev/bot)',
      'accept-encoding': 'identity',
      accept: expect.stringContaining('image/webp'),
    });
  });

  it('uses its defaults for options passed as undefined', async () => {
    const server = await startServer((_req, res) => sendImage(res));
    const image = await fetcher({
      allowPrivateNetworks: true,
      timeoutMs: undefined,
      retries: undefined,
    }).fetch(server.url());

    expect(image.bytes.equals(PNG)).toBe(true);
  });

  it('keeps the hostname in the Host header while connecting to the looked-up address, across redirects', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/old.png') {
        res.writeHead(301, { location: '/new.png' }).end();
      } else sendImage(res);
    });
    const dns = fakeDns({ 'images.example.test': ['127.0.0.1'] });
    const url = `http://images.example.test:${server.port}/old.png`;
    const image = await fetcher({ allowPrivateNetworks: true, lookup: dns }).fetch(url);

    expect(image.finalUrl).toBe(`http://images.example.test:${server.port}/new.png`);
    expect(server.requests.map((r) => [r.path, r.headers.host])).toEqual([
      ['/old.png', `images.example.test:${server.port}`],
      ['/new.png', `images.example.test:${server.port}`],
    ]);
    expect(connections.established.every((address) => address === '127.0.0.1')).toBe(true);
  });

  it('gives up on a redirect loop after maxRedirects hops', async () => {
    const server = await startServer((_req, res, nth) => {
      res.writeHead(302, { location: `/hop-${nth}` }).end();
    });
    const err = await failure(
      fetcher({ allowPrivateNetworks: true, maxRedirects: 3 }).fetch(server.url('/start')),
    );

    expect(err.code).toBe('too_many_redirects');
    expect(err.message).toBe(
      `The image URL redirected more than 3 times (last from 127.0.0.1:${server.port})`,
    );
    expect(server.requests).toHaveLength(4);
  });

  it('refuses a redirect to another scheme', async () => {
    const server = await startServer((_req, res) =>
      res.writeHead(302, { location: 'file:///etc/passwd' }).end(),
    );
    const err = await failure(fetcher({ allowPrivateNetworks: true }).fetch(server.url()));

    expect(err.code).toBe('invalid_url');
    expect(err.message).toContain('only http and https');
  });

  it('refuses a body whose Content-Length is over the limit without reading it', async () => {
    const server = await startServer((_req, res) => sendImage(res, Buffer.alloc(2000)));
    const err = await failure(fetcher({ allowPrivateNetworks: true, maxBytes: 1000 }).fetch(server.url()));

    expect(err.code).toBe('too_large');
    expect(err.retryable).toBe(false);
    expect(server.requests).toHaveLength(1);
  });

  it('stops downloading a body without Content-Length once it passes the limit', async () => {
    let written = 0;
    let finished = false;
    const server = await startServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      const chunk = Buffer.alloc(16 * 1024);
      // Bounded: 8 MiB at most, and the client should hang up after about 64 KiB.
      while (written < 8 * 1024 * 1024 && !res.destroyed) {
        written += chunk.length;
        if (!res.write(chunk)) await drainedOrClosed(res);
      }
      finished = !res.destroyed;
      res.end();
    });
    const err = await failure(
      fetcher({ allowPrivateNetworks: true, maxBytes: 64 * 1024 }).fetch(server.url()),
    );

    expect(err.code).toBe('too_large');
    expect(err.message).toBe(`The image from 127.0.0.1:${server.port} is larger than the 0.06 MiB limit`);
    await sleep(50);
    expect(finished).toBe(false);
    expect(written).toBeLessThan(8 * 1024 * 1024);
  });

  it('times out on a server that never answers', async () => {
    const server = await startServer(() => {});
    const started = performance.now();
    const err = await failure(fetcher({ allowPrivateNetworks: true, timeoutMs: 300 }).fetch(server.url()));

    expect(err.code).toBe('timeout');
    expect(err.message).toBe(`The image from 127.0.0.1:${server.port} did not arrive within 300 ms`);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(server.requests).toHaveLength(1);
  });

  it('times out on a body that stalls halfway', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': PNG.length });
      res.write(PNG.subarray(0, 100));
    });
    const err = await failure(fetcher({ allowPrivateNetworks: true, timeoutMs: 300 }).fetch(server.url()));

    expect(err.code).toBe('timeout');
  });

  it('retries a 503 and returns the image that follows', async () => {
    const server = await startServer((_req, res, nth) => {
      if (nth === 1) res.writeHead(503).end('busy');
      else sendImage(res);
    });
    const image = await fetcher({ allowPrivateNetworks: true }).fetch(server.url());

    expect(image.bytes.equals(PNG)).toBe(true);
    expect(server.requests).toHaveLength(2);
  });

  it('reports the last 5xx once the retries are spent', async () => {
    const server = await startServer((_req, res) => res.writeHead(500).end());
    const err = await failure(fetcher({ allowPrivateNetworks: true, retries: 2 }).fetch(server.url()));

    expect(err).toMatchObject({ code: 'http_error', status: 500, retryable: true });
    expect(err.message).toBe(`127.0.0.1:${server.port} answered HTTP 500`);
    expect(server.requests).toHaveLength(3);
  });

  it('waits as long as a 429 Retry-After asks before retrying', async () => {
    const server = await startServer((_req, res, nth) => {
      if (nth === 1) res.writeHead(429, { 'retry-after': '1' }).end();
      else sendImage(res);
    });
    await fetcher({ allowPrivateNetworks: true }).fetch(server.url());

    const [first, second] = server.requests;
    expect(second!.at - first!.at).toBeGreaterThanOrEqual(1000);
  });

  it('fails at once when Retry-After asks for longer than the deadline leaves', async () => {
    const server = await startServer((_req, res) => res.writeHead(429, { 'retry-after': '120' }).end());
    const err = await failure(fetcher({ allowPrivateNetworks: true }).fetch(server.url()));

    expect(err).toMatchObject({ code: 'http_error', status: 429, retryAfterMs: 120_000 });
    expect(server.requests).toHaveLength(1);
  });

  it('does not retry a 404', async () => {
    const server = await startServer((_req, res) => res.writeHead(404).end('missing'));
    const err = await failure(fetcher({ allowPrivateNetworks: true }).fetch(server.url()));

    expect(err).toMatchObject({ code: 'http_error', status: 404, retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('retries a refused connection and then reports a network error', async () => {
    const server = await startServer(() => {});
    const url = server.url();
    await cleanups.pop()!();
    const err = await failure(fetcher({ allowPrivateNetworks: true, retries: 1 }).fetch(url));

    expect(err.code).toBe('network_error');
    expect(err.message).toBe(
      `Could not download from 127.0.0.1:${server.port}: the server refused the connection`,
    );
    expect(connections.attempted).toHaveLength(2);
  });

  it('refuses an HTML page without retrying', async () => {
    const server = await startServer((_req, res) =>
      sendImage(res, Buffer.from('<html>Not here</html>'), 'text/html'),
    );
    const err = await failure(fetcher({ allowPrivateNetworks: true }).fetch(server.url()));

    expect(err.code).toBe('not_an_image');
    expect(err.message).toBe(`127.0.0.1:${server.port} answered with text/html, not an image`);
    expect(server.requests).toHaveLength(1);
  });

  it('refuses a compressed body even though it was not asked for', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png', 'content-encoding': 'gzip' }).end(PNG);
    });
    const err = await failure(fetcher({ allowPrivateNetworks: true }).fetch(server.url()));

    expect(err.code).toBe('not_an_image');
  });

  it('keeps no more fetches in flight than its concurrency', async () => {
    const server = await startServer(async (_req, res) => {
      await sleep(100);
      sendImage(res);
    });
    const images = fetcher({ allowPrivateNetworks: true, concurrency: 3 });
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => images.fetch(server.url(`/${i}.png`))),
    );

    expect(results).toHaveLength(8);
    expect(server.requests).toHaveLength(8);
    expect(server.maxInFlight).toBe(3);
  });

  it('rejects with the caller’s reason when aborted, in flight or still queued', async () => {
    const server = await startServer(() => {});
    const images = fetcher({ allowPrivateNetworks: true, concurrency: 1 });
    const controller = new AbortController();
    const inFlight = images.fetch(server.url('/a.png'), controller.signal);
    const queued = images.fetch(server.url('/b.png'), controller.signal);
    await sleep(100);
    controller.abort(new Error('sync cancelled'));

    await expect(inFlight).rejects.toThrow('sync cancelled');
    await expect(queued).rejects.toThrow('sync cancelled');
    expect(server.requests.map((r) => r.path)).toEqual(['/a.png']);
  });

  it('on close, lets the running fetch finish and rejects the queued ones', async () => {
    const server = await startServer(async (_req, res) => {
      await sleep(100);
      sendImage(res);
    });
    const images = createImageFetcher({ allowPrivateNetworks: true, concurrency: 1 });
    const running = images.fetch(server.url('/a.png'));
    const queued = images.fetch(server.url('/b.png')).catch((err: unknown) => err);
    await sleep(20);
    await images.close();

    await expect(running).resolves.toMatchObject({ contentType: 'image/png' });
    expect(await queued).toMatchObject({ name: 'AbortError' });
    await expect(images.fetch(server.url())).rejects.toThrow('The image fetcher is closed');
    expect(server.requests).toHaveLength(1);
  });
});

describe('refusing URLs before any request', () => {
  it.each([
    ['not a url', 'The image URL is not a valid URL'],
    ['ftp://images.example.test/a.png', 'The image URL uses ftp; only http and https are supported'],
    [
      'http://user:secret@images.example.test/a.png',
      'The image URL contains a username or password; remove them',
    ],
  ])('%s', async (url, message) => {
    const dns = fakeDns({ 'images.example.test': ['127.0.0.1'] });
    const err = await failure(fetcher({ allowPrivateNetworks: true, lookup: dns }).fetch(url));

    expect(err).toMatchObject({ code: 'invalid_url', message });
    expect(dns.asked).toEqual([]);
  });

  it('reports a host that does not resolve, without retrying', async () => {
    const dns = fakeDns({});
    const err = await failure(fetcher({ lookup: dns }).fetch('https://gone.example.test/a.png'));

    expect(err).toMatchObject({
      code: 'dns_failed',
      message: 'The host gone.example.test could not be resolved (ENOTFOUND)',
    });
    expect(dns.asked).toEqual(['gone.example.test']);
  });
});

describe('SSRF: private networks refused', () => {
  it('refuses 127.0.0.1 and never reaches the server', async () => {
    const server = await startServer((_req, res) => sendImage(res));
    const err = await failure(fetcher().fetch(server.url()));

    expect(err).toMatchObject({
      code: 'blocked_address',
      retryable: false,
      message: 'The address 127.0.0.1 is a loopback address; images must be served from the public internet',
    });
    expect(server.requests).toHaveLength(0);
    expect(connections.attempted).toEqual([]);
  });

  it('refuses localhost as the system resolver answers it', async () => {
    const server = await startServer((_req, res) => sendImage(res));
    const err = await failure(fetcher().fetch(`http://localhost:${server.port}/a.png`));

    expect(err.code).toBe('blocked_address');
    expect(err.message).toMatch(/^The host localhost resolves to (127\.0\.0\.1|::1), a loopback address/);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses the cloud metadata address without trying to connect', async () => {
    const err = await failure(fetcher().fetch('http://169.254.169.254/latest/meta-data/'));

    expect(err.code).toBe('blocked_address');
    expect(err.message).toContain('link-local (cloud metadata)');
    expect(connections.attempted).toEqual([]);
  });

  it('refuses [::1] and IPv4-mapped loopback', async () => {
    const images = fetcher();
    expect((await failure(images.fetch('http://[::1]:8080/a.png'))).code).toBe('blocked_address');
    expect((await failure(images.fetch('http://[::ffff:127.0.0.1]/a.png'))).code).toBe('blocked_address');
    expect(connections.attempted).toEqual([]);
  });

  it('refuses a hostname that resolves to a private address, connecting nowhere', async () => {
    const dns = fakeDns({ 'internal.example.test': ['10.0.0.5'] });
    const err = await failure(fetcher({ lookup: dns }).fetch('http://internal.example.test/a.png'));

    expect(err.message).toBe(
      'The host internal.example.test resolves to 10.0.0.5, a private network address; ' +
        'images must be served from the public internet',
    );
    expect(dns.asked).toEqual(['internal.example.test']);
    expect(connections.established).toEqual([]);
  });

  it('refuses a public-looking hostname that resolves to loopback', async () => {
    const server = await startServer((_req, res) => sendImage(res));
    const dns = fakeDns({ 'images.example.test': ['127.0.0.1'] });
    const err = await failure(
      fetcher({ lookup: dns }).fetch(`http://images.example.test:${server.port}/a.png`),
    );

    expect(err.code).toBe('blocked_address');
    expect(server.requests).toHaveLength(0);
  });

  // 127.0.0.2 plays a public CDN here: allowedPrivateRanges lets exactly it through.
  const cdnOnly = { allowedPrivateRanges: ['127.0.0.2/32'] };

  it('fetches from an address the allow-list names', async () => {
    const cdn = await startServer((_req, res) => sendImage(res), '127.0.0.2');
    const image = await fetcher(cdnOnly).fetch(cdn.url());

    expect(image.bytes.equals(PNG)).toBe(true);
  });

  it('refuses a host if any one of its addresses is refused', async () => {
    const cdn = await startServer((_req, res) => sendImage(res), '127.0.0.2');
    const dns = fakeDns({ 'mixed.example.test': ['127.0.0.2', '127.0.0.1'] });
    const err = await failure(
      fetcher({ ...cdnOnly, lookup: dns }).fetch(`http://mixed.example.test:${cdn.port}/`),
    );

    expect(err.message).toContain('resolves to 127.0.0.1, a loopback address');
    expect(cdn.requests).toHaveLength(0);
  });

  it('refuses a redirect to 127.0.0.1 from an allowed host', async () => {
    const internal = await startServer((_req, res) => sendImage(res));
    const cdn = await startServer(
      (_req, res) => res.writeHead(302, { location: internal.url('/secret') }).end(),
      '127.0.0.2',
    );
    const err = await failure(fetcher(cdnOnly).fetch(cdn.url()));

    expect(err.code).toBe('blocked_address');
    expect(cdn.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
  });

  it('refuses a redirect to a hostname that resolves to loopback', async () => {
    const internal = await startServer((_req, res) => sendImage(res));
    const cdn = await startServer(
      (_req, res) => res.writeHead(307, { location: `http://admin.example.test:${internal.port}/` }).end(),
      '127.0.0.2',
    );
    const dns = fakeDns({ 'cdn.example.test': ['127.0.0.2'], 'admin.example.test': ['127.0.0.1'] });
    const err = await failure(
      fetcher({ ...cdnOnly, lookup: dns }).fetch(`http://cdn.example.test:${cdn.port}/`),
    );

    expect(err.message).toContain('admin.example.test resolves to 127.0.0.1');
    expect(internal.requests).toHaveLength(0);
  });

  it('connects to the address it checked, not to a second DNS answer (rebinding)', async () => {
    const cdn = await startServer((_req, res) => sendImage(res), '127.0.0.2');
    const internal = await startServer((_req, res) => sendImage(res), '127.0.0.1', cdn.port);
    const asked: string[] = [];
    // A rebinding DNS server: a harmless answer first, loopback after.
    const rebinding: ResolveHost = async (hostname) => {
      asked.push(hostname);
      return [{ address: asked.length === 1 ? '127.0.0.2' : '127.0.0.1', family: 4 }];
    };
    await fetcher({ ...cdnOnly, lookup: rebinding }).fetch(`http://rebind.example.test:${cdn.port}/a.png`);

    expect(asked).toEqual(['rebind.example.test']);
    expect(cdn.requests).toHaveLength(1);
    expect(internal.requests).toHaveLength(0);
    expect(connections.established).toEqual(['127.0.0.2']);
  });
});

describe('conditional requests', () => {
  const etag = '"v1-abc"';
  const lastModified = 'Sat, 10 Jan 2026 12:00:00 GMT';

  /** Answers 304 when the request names the current version, like a CDN. */
  function versionedImage(current: { etag: string; lastModified: string }): Handler {
    return (req, res) => {
      const matches =
        req.headers['if-none-match'] === current.etag ||
        (req.headers['if-none-match'] === undefined &&
          req.headers['if-modified-since'] === current.lastModified);
      if (matches) {
        res.writeHead(304, { etag: current.etag, 'last-modified': current.lastModified }).end();
      } else {
        res.writeHead(200, {
          'content-type': 'image/png',
          'content-length': PNG.length,
          etag: current.etag,
          'last-modified': current.lastModified,
        });
        res.end(PNG);
      }
    };
  }

  it('reports the validators of a plain fetch and sends no condition with it', async () => {
    const server = await startServer(versionedImage({ etag, lastModified }));
    const image = await fetcher({ allowPrivateNetworks: true }).fetch(server.url());

    expect(image).toMatchObject({ etag, lastModified });
    expect(server.requests[0]?.headers['if-none-match']).toBeUndefined();
    expect(server.requests[0]?.headers['if-modified-since']).toBeUndefined();
  });

  it('sends If-None-Match and If-Modified-Since and reads no body on 304', async () => {
    const server = await startServer(versionedImage({ etag, lastModified }));
    const result = await fetcher({ allowPrivateNetworks: true }).fetchIfChanged(server.url(), {
      etag,
      lastModified,
    });

    expect(result).toEqual({
      url: server.url(),
      finalUrl: server.url(),
      notModified: true,
      etag,
      lastModified,
      durationMs: expect.any(Number),
    });
    expect(server.requests[0]?.headers).toMatchObject({
      'if-none-match': etag,
      'if-modified-since': lastModified,
    });
  });

  it('revalidates with Last-Modified alone', async () => {
    const server = await startServer(versionedImage({ etag, lastModified }));
    const result = await fetcher({ allowPrivateNetworks: true }).fetchIfChanged(server.url(), {
      etag: null,
      lastModified,
    });

    expect(result).toMatchObject({ notModified: true, etag });
    expect(server.requests[0]?.headers['if-none-match']).toBeUndefined();
  });

  it('keeps the validators it sent when the 304 repeats none', async () => {
    const server = await startServer((_req, res) => res.writeHead(304).end());
    const result = await fetcher({ allowPrivateNetworks: true }).fetchIfChanged(server.url(), {
      etag,
      lastModified: null,
    });

    expect(result).toMatchObject({ notModified: true, etag, lastModified: null });
  });

  it('downloads the new version when the image changed', async () => {
    const server = await startServer(versionedImage({ etag: '"v2"', lastModified }));
    const result = await fetcher({ allowPrivateNetworks: true }).fetchIfChanged(server.url(), {
      etag,
      lastModified: null,
    });

    expect(result).toMatchObject({ etag: '"v2"', lastModified, contentType: 'image/png' });
    expect('bytes' in result && result.bytes.equals(PNG)).toBe(true);
  });

  it('revalidates at the end of a redirect', async () => {
    const server = await startServer((req, res) => {
      if (req.url === '/old.png') res.writeHead(302, { location: '/new.png' }).end();
      else versionedImage({ etag, lastModified })(req, res, 0);
    });
    const result = await fetcher({ allowPrivateNetworks: true }).fetchIfChanged(server.url('/old.png'), {
      etag,
      lastModified: null,
    });

    expect(result).toMatchObject({ notModified: true, finalUrl: server.url('/new.png') });
    expect(server.requests.map((r) => r.headers['if-none-match'])).toEqual([etag, etag]);
  });

  it('treats a 304 to an unconditional request as an HTTP error', async () => {
    const server = await startServer((_req, res) => res.writeHead(304).end());
    const err = await failure(
      fetcher({ allowPrivateNetworks: true }).fetchIfChanged(server.url(), {
        etag: null,
        lastModified: null,
      }),
    );

    expect(err).toMatchObject({ code: 'http_error', status: 304, retryable: false });
  });
});
