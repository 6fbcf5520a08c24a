import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { solidPng } from './solid-png.ts';

// A product catalog for tests, independent of any platform, and the three feed formats
// (JSON, CSV, Google Merchant XML) written from it, served by a real HTTP server.

export interface TestCatalogVariant {
  id: number;
  /** The value of the `Size` option. */
  size: string;
  price: string;
  inStock: boolean;
}

export interface TestCatalogProduct {
  /** Null writes a product without an id (to test rejections). */
  id: number | null;
  title: string;
  /** May hold HTML. */
  description: string;
  /** Decimal in major units of the catalog currency ("19.99"), written as is. */
  price: string;
  /** Most specific first. */
  categories: string[];
  /** Written as `brand` (`g:brand`, a WooCommerce tag); connectors make it a tag. */
  brand: string | null;
  inStock: boolean;
  /** A count of images the server serves itself, or URLs written verbatim. */
  images: number | string[];
  variants: TestCatalogVariant[];
  /** ISO date-time of the last change. */
  modifiedAt: string;
}

export interface TestCatalogOptions {
  /** Every n-th product gets three size variants (0: none). */
  variantsEvery?: number;
  imagesPerProduct?: number;
  /** First product's modification time; each next one is a minute later. */
  startAt?: Date;
}

/** A deterministic catalog of `count` products with ids 1..count. */
export function makeTestCatalog(count: number, options: TestCatalogOptions = {}): TestCatalogProduct[] {
  const start = (options.startAt ?? new Date('2026-10-01T00:00:00Z')).getTime();
  const categories = ['Dresses', 'Shirts', 'Shoes', 'Bags', 'Hats'];
  return Array.from({ length: count }, (_, index) => {
    const id = index + 1;
    const category = categories[index % categories.length] as string;
    const price = `${10 + (index % 90)}.${String(index % 100).padStart(2, '0')}`;
    const withVariants =
      options.variantsEvery !== undefined && options.variantsEvery > 0 && id % options.variantsEvery === 0;
    return {
      id,
      title: `${category.slice(0, -1)} number ${id}`,
      description: `<p>A <strong>${category.toLowerCase()}</strong> item &amp; catalog entry ${id}.</p>`,
      price,
      categories: [category],
      brand: `Brand ${index % 7}`,
      inStock: index % 11 !== 0,
      images: options.imagesPerProduct ?? 2,
      variants: withVariants
        ? ['S', 'M', 'L'].map((size, i) => ({
            id: count + id * 10 + i,
            size,
            price: `${12 + i + (index % 50)}.00`,
            inStock: i !== 2,
          }))
        : [],
      modifiedAt: new Date(start + index * 60_000).toISOString(),
    };
  });
}

/** Where a served catalog image lives on a test server. */
export function catalogImagePath(productIndex: number, imageIndex: number): string {
  return `/wp-content/uploads/p${productIndex}-${imageIndex}.png`;
}

/** The image URLs of a catalog product as a server at `origin` serves them. */
export function catalogImageUrls(
  product: TestCatalogProduct,
  productIndex: number,
  origin: string,
): string[] {
  return typeof product.images === 'number'
    ? Array.from({ length: product.images }, (_, i) => `${origin}${catalogImagePath(productIndex, i)}`)
    : product.images;
}

/** The storefront page of a catalog product. */
export function catalogProductUrl(product: TestCatalogProduct, origin: string): string {
  return `${origin}/product/${product.id ?? 'none'}/`;
}

/** The default bytes of a served catalog image: a distinct colour per product and image. */
export function catalogImage(productIndex: number, imageIndex: number): Buffer {
  const seed = productIndex * 16 + imageIndex;
  return solidPng(8, 8, [(seed * 67) % 256, (seed * 131) % 256, (seed * 197) % 256]);
}

/** The catalog as a JSON feed (`{ products: [...] }`), in the custom catalog API's field names. */
export function catalogToJsonFeed(
  catalog: readonly TestCatalogProduct[],
  currency: string,
  origin: string,
): string {
  return JSON.stringify({
    products: catalog.map((product, index) => ({
      ...(product.id === null ? {} : { external_id: String(product.id) }),
      title: product.title,
      description: product.description,
      url: catalogProductUrl(product, origin),
      // A product with variants is priced and stocked by them, as in the Merchant formats.
      ...(product.variants.length === 0
        ? { price: `${product.price} ${currency}`, in_stock: product.inStock }
        : {}),
      categories: product.categories,
      ...(product.brand === null ? {} : { brand: product.brand }),
      images: catalogImageUrls(product, index, origin),
      variants: product.variants.map((variant) => ({
        id: String(variant.id),
        title: variant.size,
        price: `${variant.price} ${currency}`,
        in_stock: variant.inStock,
        options: { Size: variant.size },
      })),
    })),
  });
}

const CSV_COLUMNS = [
  'id',
  'item_group_id',
  'title',
  'description',
  'link',
  'price',
  'availability',
  'image_link',
  'additional_image_link',
  'product_type',
  'size',
  'brand',
] as const;

/**
 * The catalog as a CSV feed with Google's column names. A product with variants is written
 * as one row per variant sharing `item_group_id` (its id), as Merchant Center wants.
 */
export function catalogToCsvFeed(
  catalog: readonly TestCatalogProduct[],
  currency: string,
  origin: string,
): string {
  const cell = (value: string) => (/[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value);
  const lines = [CSV_COLUMNS.join(',')];
  for (const item of merchantItems(catalog, currency, origin)) {
    lines.push(
      [
        item.id,
        item.groupId,
        item.title,
        item.description,
        item.link,
        item.price,
        item.availability,
        item.images[0] ?? '',
        item.images.slice(1).join(','),
        item.productType,
        item.size,
        item.brand,
      ]
        .map(cell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

/** The catalog as a Google Merchant RSS 2.0 feed (`g:` namespace), variants grouped by item_group_id. */
export function catalogToMerchantXml(
  catalog: readonly TestCatalogProduct[],
  currency: string,
  origin: string,
): string {
  const escapeXml = (value: string) =>
    value.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');
  const items = merchantItems(catalog, currency, origin).map((item) => {
    const fields = [
      item.id === '' ? '' : `<g:id>${escapeXml(item.id)}</g:id>`,
      item.groupId === '' ? '' : `<g:item_group_id>${escapeXml(item.groupId)}</g:item_group_id>`,
      `<title>${escapeXml(item.title)}</title>`,
      `<description><![CDATA[${item.description}]]></description>`,
      `<link>${escapeXml(item.link)}</link>`,
      `<g:price>${escapeXml(item.price)}</g:price>`,
      `<g:availability>${item.availability}</g:availability>`,
      ...item.images.slice(0, 1).map((url) => `<g:image_link>${escapeXml(url)}</g:image_link>`),
      ...item.images
        .slice(1)
        .map((url) => `<g:additional_image_link>${escapeXml(url)}</g:additional_image_link>`),
      `<g:product_type>${escapeXml(item.productType)}</g:product_type>`,
      item.size === '' ? '' : `<g:size>${escapeXml(item.size)}</g:size>`,
      item.brand === '' ? '' : `<g:brand>${escapeXml(item.brand)}</g:brand>`,
    ];
    return `<item>${fields.join('')}</item>`;
  });
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n' +
    '<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>' +
    `<title>Test store</title><link>${escapeXml(origin)}/</link><description>Test feed</description>\n` +
    `${items.join('\n')}\n</channel></rss>\n`
  );
}

interface MerchantItem {
  id: string;
  groupId: string;
  title: string;
  description: string;
  link: string;
  price: string;
  availability: 'in_stock' | 'out_of_stock';
  images: string[];
  productType: string;
  size: string;
  brand: string;
}

/** One Merchant Center item per simple product, one per variant of a product with variants. */
function merchantItems(
  catalog: readonly TestCatalogProduct[],
  currency: string,
  origin: string,
): MerchantItem[] {
  return catalog.flatMap((product, index) => {
    const common = {
      title: product.title,
      description: product.description,
      link: catalogProductUrl(product, origin),
      images: catalogImageUrls(product, index, origin),
      // Google's product_type runs from the broadest category to the narrowest.
      productType: product.categories.toReversed().join(' > '),
      brand: product.brand ?? '',
    };
    if (product.variants.length === 0) {
      return [
        {
          ...common,
          id: product.id === null ? '' : String(product.id),
          groupId: '',
          price: `${product.price} ${currency}`,
          availability: product.inStock ? 'in_stock' : 'out_of_stock',
          size: '',
        } satisfies MerchantItem,
      ];
    }
    return product.variants.map(
      (variant): MerchantItem => ({
        ...common,
        id: String(variant.id),
        groupId: product.id === null ? '' : String(product.id),
        price: `${variant.price} ${currency}`,
        availability: variant.inStock ? 'in_stock' : 'out_of_stock',
        size: variant.size,
      }),
    );
  });
}

export interface FeedFile {
  body: string | Buffer;
  /** Null sends no Content-Type (the connector then sniffs the format). */
  contentType: string | null;
}

export interface FeedTestServerOptions {
  /** Path → file; paths under /wp-content/uploads/ not listed here are served as catalog images. */
  files?: Record<string, FeedFile>;
  /** Bytes of catalog image `imageIndex` of product `productIndex` (default: a distinct solid PNG). */
  image?: (productIndex: number, imageIndex: number) => Buffer;
  /** Bytes per write when streaming a file, to exercise chunked parsing. */
  chunkSize?: number;
  /** Port on 127.0.0.1 (default: any free one). */
  port?: number;
}

export interface FeedTestServer {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  url(path: string): string;
  /** Replaces or adds a file (a catalog change between syncs). */
  setFile(path: string, file: FeedFile): void;
  requests: { method: string; path: string }[];
  close(): Promise<void>;
}

/** A static HTTP server for feed files and catalog images on 127.0.0.1. */
export async function startFeedTestServer(options: FeedTestServerOptions = {}): Promise<FeedTestServer> {
  const files = new Map(Object.entries(options.files ?? {}));
  const requests: FeedTestServer['requests'] = [];
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    requests.push({ method: req.method ?? 'GET', path });
    const file = files.get(path);
    if (file !== undefined) {
      sendChunked(res, file, options.chunkSize ?? 64 * 1024);
      return;
    }
    if (serveCatalogImage(req, res, options.image)) return;
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    url: (path) => `${origin}${path}`,
    setFile: (path, file) => files.set(path, file),
    requests,
    close: () => closeServer(server),
  };
}

function sendChunked(res: ServerResponse, file: FeedFile, chunkSize: number): void {
  const body = typeof file.body === 'string' ? Buffer.from(file.body) : file.body;
  res.writeHead(200, file.contentType === null ? {} : { 'content-type': file.contentType });
  for (let offset = 0; offset < body.length; offset += chunkSize)
    res.write(body.subarray(offset, offset + chunkSize));
  res.end();
}

/** Answers GET /wp-content/uploads/p<product>-<image>.png with a generated image; false for other paths. */
export function serveCatalogImage(
  req: IncomingMessage,
  res: ServerResponse,
  image: ((productIndex: number, imageIndex: number) => Buffer) | undefined,
): boolean {
  const match = /^\/wp-content\/uploads\/p(\d+)-(\d+)\.png$/.exec(
    new URL(req.url ?? '/', 'http://x').pathname,
  );
  if (match === null) return false;
  const productIndex = Number(match[1]);
  const imageIndex = Number(match[2]);
  const bytes = (image ?? catalogImage)(productIndex, imageIndex);
  res.writeHead(200, { 'content-type': 'image/png', 'content-length': bytes.length }).end(bytes);
  return true;
}

export function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
}
