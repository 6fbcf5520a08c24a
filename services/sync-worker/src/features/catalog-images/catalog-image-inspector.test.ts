import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import type { ResolveHost } from '@nlyzer/image-fetcher';
import sharp from 'sharp';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type CatalogImageInspector,
  type CatalogImageInspectorOptions,
  createCatalogImageInspector,
  type KnownImage,
} from './catalog-image-inspector.ts';
import {
  type ImageRequestHandler,
  type ImageTestServer,
  sendImage,
  startImageTestServer,
} from './image-test-server.ts';

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(handler: ImageRequestHandler): Promise<ImageTestServer> {
  const started = await startImageTestServer(handler);
  cleanups.push(() => started.close());
  return started;
}

function inspector(options: Partial<CatalogImageInspectorOptions> = {}): CatalogImageInspector {
  const created = createCatalogImageInspector({ concurrency: 4, allowPrivateNetworks: true, ...options });
  cleanups.push(() => created.close());
  return created;
}

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A PNG that is only a header claiming `width` × `height` pixels: a few dozen bytes. */
function pngHeaderOnly(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const framed = Buffer.alloc(typed.length + 8);
    framed.writeUInt32BE(data.length, 0);
    typed.copy(framed, 4);
    framed.writeUInt32BE(crc32(typed), typed.length + 4);
    return framed;
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.writeUInt8(8, 8); // bit depth
  ihdr.writeUInt8(2, 9); // truecolour
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', ihdr),
    chunk('IDAT', Buffer.alloc(0)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

let jpeg: Buffer;
let png: Buffer;

beforeAll(async () => {
  const canvas = (width: number, height: number) =>
    sharp({
      create: {
        width,
        height,
        channels: 3,
        background: '#000',
        noise: { type: 'gaussian', mean: 128, sigma: 40 },
      },
    });
  jpeg = await canvas(64, 48).jpeg().toBuffer();
  png = await canvas(40, 30).png().toBuffer();
});

describe('inspecting images that are fine', () => {
  it('measures a JPEG and a PNG by their bytes, whatever type the server claims', async () => {
    const cdn = await server((req, res) => {
      if (req.url === '/shoe.jpg') sendImage(res, jpeg, { 'content-type': 'image/jpeg', etag: '"j1"' });
      else
        sendImage(res, png, {
          'content-type': 'application/octet-stream',
          'last-modified': 'Sat, 10 Jan 2026 12:00:00 GMT',
        });
    });
    const results = await inspector().inspect([
      { url: cdn.url('/shoe.jpg'), known: null },
      { url: cdn.url('/shoe.png'), known: null },
    ]);

    expect(results).toEqual([
      {
        url: cdn.url('/shoe.jpg'),
        ok: true,
        sha256: sha256(jpeg),
        width: 64,
        height: 48,
        bytes: jpeg.length,
        contentType: 'image/jpeg',
        etag: '"j1"',
        lastModified: null,
        notModified: false,
      },
      {
        url: cdn.url('/shoe.png'),
        ok: true,
        sha256: sha256(png),
        width: 40,
        height: 30,
        bytes: png.length,
        contentType: 'image/png',
        etag: null,
        lastModified: 'Sat, 10 Jan 2026 12:00:00 GMT',
        notModified: false,
      },
    ]);
  });

  it('recovers from a 429 with a retry', async () => {
    const cdn = await server((_req, res, nth) => {
      if (nth === 1) res.writeHead(429).end();
      else sendImage(res, jpeg);
    });
    const [result] = await inspector().inspect([{ url: cdn.url('/a.jpg'), known: null }]);

    expect(result).toMatchObject({ ok: true, sha256: sha256(jpeg) });
    expect(cdn.requests).toHaveLength(2);
  });
});

describe('inspecting images that cannot be indexed', () => {
  it('calls an HTML page served as image/jpeg not an image', async () => {
    const cdn = await server((_req, res) =>
      sendImage(res, Buffer.from('<!doctype html><title>Page not found</title>'), {
        'content-type': 'image/jpeg',
      }),
    );
    const [result] = await inspector().inspect([{ url: cdn.url('/gone.jpg'), known: null }]);

    expect(result).toEqual({
      url: cdn.url('/gone.jpg'),
      ok: false,
      status: 'not_image',
      error: `The file from 127.0.0.1:${cdn.port} is not a JPEG, PNG, WebP, AVIF or GIF image (it was served as image/jpeg)`,
    });
  });

  it('calls an SVG not an image, and a page labelled text/html too without downloading it', async () => {
    const cdn = await server((req, res) => {
      if (req.url === '/logo.svg')
        sendImage(res, Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'), {
          'content-type': 'image/svg+xml',
        });
      else sendImage(res, Buffer.from('<html></html>'), { 'content-type': 'text/html' });
    });
    const results = await inspector().inspect([
      { url: cdn.url('/logo.svg'), known: null },
      { url: cdn.url('/page'), known: null },
    ]);

    expect(results.map((r) => (r.ok ? 'ok' : r.status))).toEqual(['not_image', 'not_image']);
    expect(results[1]).toMatchObject({
      error: `127.0.0.1:${cdn.port} answered with text/html, not an image`,
    });
  });

  it('calls a JPEG whose header is garbage not an image', async () => {
    const cdn = await server((_req, res) =>
      sendImage(res, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0x00]), Buffer.alloc(500, 0x41)])),
    );
    const [result] = await inspector().inspect([{ url: cdn.url('/cut.jpg'), known: null }]);

    expect(result).toMatchObject({
      ok: false,
      status: 'not_image',
      error: `The JPEG image from 127.0.0.1:${cdn.port} has an unreadable header`,
    });
  });

  it('calls a 404 broken', async () => {
    const cdn = await server((_req, res) => res.writeHead(404).end('missing'));
    const [result] = await inspector().inspect([{ url: cdn.url('/missing.jpg'), known: null }]);

    expect(result).toEqual({
      url: cdn.url('/missing.jpg'),
      ok: false,
      status: 'broken',
      error: `127.0.0.1:${cdn.port} answered HTTP 404`,
    });
    expect(cdn.requests).toHaveLength(1);
  });

  it('calls a server that never answers broken once the deadline passes', async () => {
    const cdn = await server(() => {});
    const started = performance.now();
    const [result] = await inspector({ timeoutMs: 300 }).inspect([
      { url: cdn.url('/slow.jpg'), known: null },
    ]);

    expect(result).toMatchObject({
      ok: false,
      status: 'broken',
      error: `The image from 127.0.0.1:${cdn.port} did not arrive within 300 ms`,
    });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('calls an image over maxBytes too large', async () => {
    const cdn = await server((_req, res) => sendImage(res, jpeg));
    const [result] = await inspector({ maxBytes: 1024 }).inspect([{ url: cdn.url('/big.jpg'), known: null }]);

    expect(result).toMatchObject({ ok: false, status: 'too_large' });
    expect(result).toHaveProperty('error', expect.stringContaining('larger than the'));
  });

  it('refuses a 60 MP PNG from its header, without decoding it', async () => {
    const bomb = pngHeaderOnly(10_000, 6_000);
    const cdn = await server((_req, res) => sendImage(res, bomb, { 'content-type': 'image/png' }));
    const started = performance.now();
    const [result] = await inspector().inspect([{ url: cdn.url('/bomb.png'), known: null }]);

    expect(bomb.length).toBeLessThan(100);
    expect(result).toMatchObject({
      ok: false,
      status: 'too_large',
      error: `The image from 127.0.0.1:${cdn.port} is 10000 × 6000 pixels, more than the 50 MP limit`,
    });
    // Decoding 60 MP would take about 180 MB and seconds; reading a header takes milliseconds.
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('honours a lower pixel limit', async () => {
    const cdn = await server((_req, res) => sendImage(res, jpeg));
    const [result] = await inspector({ maxPixels: 1_000 }).inspect([{ url: cdn.url('/a.jpg'), known: null }]);

    expect(result).toMatchObject({ status: 'too_large', error: expect.stringContaining('64 × 48 pixels') });
  });
});

describe('SSRF: images only from the public internet', () => {
  it('refuses loopback, cloud metadata and a hostname resolving to a private address, connecting nowhere', async () => {
    const cdn = await server((_req, res) => sendImage(res, jpeg));
    const asked: string[] = [];
    const lookup: ResolveHost = async (hostname) => {
      asked.push(hostname);
      return [{ address: '10.1.2.3', family: 4 }];
    };
    const results = await inspector({ allowPrivateNetworks: false, lookup }).inspect([
      { url: cdn.url('/a.jpg'), known: null },
      { url: 'http://169.254.169.254/latest/meta-data/', known: null },
      { url: 'https://cdn.internal.test/a.jpg', known: null },
    ]);

    expect(results).toEqual([
      {
        url: cdn.url('/a.jpg'),
        ok: false,
        status: 'refused',
        error: 'The address 127.0.0.1 is a loopback address; images must be served from the public internet',
      },
      {
        url: 'http://169.254.169.254/latest/meta-data/',
        ok: false,
        status: 'refused',
        error:
          'The address 169.254.169.254 is a link-local (cloud metadata) address; images must be served from the public internet',
      },
      {
        url: 'https://cdn.internal.test/a.jpg',
        ok: false,
        status: 'refused',
        error:
          'The host cdn.internal.test resolves to 10.1.2.3, a private network address; images must be served from the public internet',
      },
    ]);
    expect(cdn.requests).toHaveLength(0);
    expect(asked).toEqual(['cdn.internal.test']);
  });

  it('lets an allow-listed private range through', async () => {
    const cdn = await server((_req, res) => sendImage(res, jpeg));
    const [result] = await inspector({
      allowPrivateNetworks: false,
      allowedPrivateRanges: ['127.0.0.1/32'],
    }).inspect([{ url: cdn.url('/a.jpg'), known: null }]);

    expect(result).toMatchObject({ ok: true });
  });
});

describe('revalidating what the last sync stored', () => {
  const etag = '"v1"';
  let known: KnownImage;

  beforeAll(() => {
    known = {
      sha256: sha256(jpeg),
      width: 64,
      height: 48,
      bytes: jpeg.length,
      contentType: 'image/jpeg',
      etag,
      lastModified: null,
    };
  });

  function versioned(current: string): ImageRequestHandler {
    return (req, res) => {
      if (req.headers['if-none-match'] === current) res.writeHead(304, { etag: current }).end();
      else sendImage(res, current === etag ? jpeg : png, { 'content-type': 'image/jpeg', etag: current });
    };
  }

  it('keeps the known values when the server answers 304, downloading nothing', async () => {
    const cdn = await server(versioned(etag));
    const [result] = await inspector().inspect([{ url: cdn.url('/a.jpg'), known }]);

    expect(result).toEqual({ url: cdn.url('/a.jpg'), ok: true, ...known, notModified: true });
    expect(cdn.requests[0]?.headers['if-none-match']).toBe(etag);
  });

  it('measures the new version when the image changed', async () => {
    const cdn = await server(versioned('"v2"'));
    const [result] = await inspector().inspect([{ url: cdn.url('/a.jpg'), known }]);

    expect(result).toMatchObject({
      ok: true,
      sha256: sha256(png),
      width: 40,
      height: 30,
      contentType: 'image/png',
      etag: '"v2"',
      notModified: false,
    });
  });

  it('downloads unconditionally when the last sync got no validators', async () => {
    const cdn = await server(versioned(etag));
    const [result] = await inspector().inspect([{ url: cdn.url('/a.jpg'), known: { ...known, etag: null } }]);

    expect(result).toMatchObject({ ok: true, sha256: sha256(jpeg), etag, notModified: false });
    expect(cdn.requests[0]?.headers['if-none-match']).toBeUndefined();
  });

  it('reports a known image that is now gone as broken', async () => {
    const cdn = await server((_req, res) => res.writeHead(410).end());
    const [result] = await inspector().inspect([{ url: cdn.url('/a.jpg'), known }]);

    expect(result).toMatchObject({ ok: false, status: 'broken' });
  });
});

describe('a batch of images', () => {
  it('fetches a URL listed twice once, and gives equal bytes at two URLs the same hash', async () => {
    const cdn = await server((_req, res) => sendImage(res, jpeg));
    const results = await inspector().inspect([
      { url: cdn.url('/a.jpg'), known: null },
      { url: cdn.url('/copy-of-a.jpg'), known: null },
      { url: cdn.url('/a.jpg'), known: null },
    ]);

    expect(cdn.requests.map((r) => r.path).sort()).toEqual(['/a.jpg', '/copy-of-a.jpg']);
    expect(results.map((r) => r.url)).toEqual([
      cdn.url('/a.jpg'),
      cdn.url('/copy-of-a.jpg'),
      cdn.url('/a.jpg'),
    ]);
    expect(new Set(results.map((r) => (r.ok ? r.sha256 : null)))).toEqual(new Set([sha256(jpeg)]));
  });

  it('keeps the input order although answers arrive in reverse, within its concurrency', async () => {
    const cdn = await server(async (req, res) => {
      const n = Number(req.url?.match(/\d+/)?.[0]);
      await sleep(20 * (8 - n));
      if (n % 3 === 0) res.writeHead(404).end();
      else sendImage(res, n % 2 === 0 ? jpeg : png);
    });
    const images = Array.from({ length: 8 }, (_, n) => ({ url: cdn.url(`/${n}.jpg`), known: null }));
    const results = await inspector({ concurrency: 3 }).inspect(images);

    expect(results.map((r) => r.url)).toEqual(images.map((i) => i.url));
    expect(results.map((r) => (r.ok ? r.width : r.status))).toEqual([
      'broken',
      40,
      64,
      'broken',
      64,
      40,
      'broken',
      40,
    ]);
    expect(cdn.maxInFlight).toBe(3);
  });

  it('shares one download queue between concurrent calls', async () => {
    const cdn = await server(async (_req, res) => {
      await sleep(50);
      sendImage(res, jpeg);
    });
    const shared = inspector({ concurrency: 2 });
    const batch = (prefix: string) =>
      Array.from({ length: 4 }, (_, n) => ({ url: cdn.url(`/${prefix}-${n}.jpg`), known: null }));
    const [first, second] = await Promise.all([shared.inspect(batch('a')), shared.inspect(batch('b'))]);

    expect([...first, ...second].every((r) => r.ok)).toBe(true);
    expect(cdn.maxInFlight).toBe(2);
  });

  it('rejects with the caller’s reason when aborted', async () => {
    const cdn = await server(() => {});
    const controller = new AbortController();
    const inspecting = inspector().inspect(
      [
        { url: cdn.url('/a.jpg'), known: null },
        { url: cdn.url('/b.jpg'), known: null },
      ],
      controller.signal,
    );
    await sleep(50);
    controller.abort(new Error('sync cancelled'));

    await expect(inspecting).rejects.toThrow('sync cancelled');
  });

  it('rejects once closed, so a stopping worker does not record images as broken', async () => {
    const cdn = await server((_req, res) => sendImage(res, jpeg));
    const closed = inspector();
    await closed.close();

    await expect(closed.inspect([{ url: cdn.url('/a.jpg'), known: null }])).rejects.toThrow(
      'The image fetcher is closed',
    );
    expect(cdn.requests).toHaveLength(0);
  });

  it('answers an empty batch with an empty list', async () => {
    expect(await inspector().inspect([])).toEqual([]);
  });
});
