// Product photos and catalog payloads for the catalog and indexing tests.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

const COLOURS = ['#d32f2f', '#1e5bc6', '#2e7d32', '#fdd835', '#6a1b9a', '#f57c00', '#00897b', '#f48fb1'];

/**
 * A small JPEG "product shot": a garment-like shape on white, its colour, shape and
 * stripes picked by `variant`, so different variants embed far apart.
 */
export async function productPhoto(variant: number, size = 128): Promise<Buffer> {
  const colour = COLOURS[variant % COLOURS.length]!;
  const accent = COLOURS[(variant * 3 + 1) % COLOURS.length]!;
  const s = size;
  const stripes =
    variant % 2 === 0
      ? Array.from(
          { length: 4 },
          (_, i) =>
            `<rect x="${s * 0.25}" y="${s * (0.3 + i * 0.15)}" width="${s * 0.5}" height="${s * 0.05}" fill="${accent}"/>`,
        ).join('')
      : `<circle cx="${s / 2}" cy="${s / 2}" r="${s * (0.1 + (variant % 5) * 0.02)}" fill="${accent}"/>`;
  const body =
    variant % 3 === 0
      ? `<rect x="${s * 0.2}" y="${s * 0.15}" width="${s * 0.6}" height="${s * 0.7}" fill="${colour}"/>`
      : variant % 3 === 1
        ? `<polygon points="${s * 0.5},${s * 0.1} ${s * 0.85},${s * 0.85} ${s * 0.15},${s * 0.85}" fill="${colour}"/>`
        : `<ellipse cx="${s / 2}" cy="${s / 2}" rx="${s * 0.35}" ry="${s * 0.4}" fill="${colour}"/>`;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${s}" height="${s}"><rect width="100%" height="100%" fill="#ffffff"/>${body}${stripes}</svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

export interface ProductBody {
  external_id: string;
  title: string;
  images: ({ url: string } | { data: string; content_type?: string })[];
  [field: string]: unknown;
}

/** An API product with one inline photo. */
export async function inlineProduct(
  externalId: string,
  variant: number,
  extra: Record<string, unknown> = {},
): Promise<ProductBody> {
  return {
    external_id: externalId,
    title: `Product ${externalId}`,
    price: { amount_minor: 1000 + variant * 100, currency: 'EUR' },
    categories: [variant % 2 === 0 ? 'shirts' : 'dresses'],
    images: [{ data: (await productPhoto(variant)).toString('base64'), content_type: 'image/jpeg' }],
    ...extra,
  };
}

export interface ImageServer {
  /** `http://127.0.0.1:<port>/<name>.jpg` */
  url(name: string): string;
  /** Paths requested so far. */
  requests: string[];
  close(): Promise<void>;
}

/** Serves `images` by name on the loopback interface, as a merchant's CDN would. */
export async function startImageServer(images: Record<string, Buffer>): Promise<ImageServer> {
  const requests: string[] = [];
  const server = createServer((request, response) => {
    const name = (request.url ?? '/').slice(1).replace(/\.jpg$/, '');
    requests.push(request.url ?? '/');
    const image = images[name];
    if (image === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': 'image/jpeg', 'content-length': image.length }).end(image);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: (name) => `http://127.0.0.1:${port}/${name}.jpg`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
