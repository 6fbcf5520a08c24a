import type { FeedFormat } from '@nlyzer/contracts';
import type { CatalogConnector, FetchOptions, ProductPage, StoreIdentity } from '../catalog-connector.ts';
import { ConnectorError } from '../connector-error.ts';
import {
  createPlatformHttp,
  header,
  type PlatformHttpOptions,
  type PlatformResponse,
  parseHttpUrl,
} from '../platform-http.ts';
import type { NormalizedProduct } from '../product-text.ts';
import type { SourceDeletion } from '../source-product.ts';
import { csvItems, type FeedChannel, xmlItems } from './feed-parsers.ts';
import { jsonFeedEntries } from './json-feed.ts';
import { type MerchantItem, productsFromMerchantItems } from './merchant-items.ts';

export interface FeedConnectorOptions {
  url: string;
  /** When absent: from the Content-Type, else from the first bytes. */
  format?: FeedFormat;
  http?: PlatformHttpOptions;
  /** Largest feed accepted (default 200 MB). */
  maxBytes?: number;
  /** Products per page (default 500). */
  pageSize?: number;
}

export type FeedConnector = CatalogConnector & { close(): Promise<void> };

const DEFAULT_MAX_BYTES = 200 * 1024 * 1024;
const DEFAULT_PAGE_SIZE = 500;

interface ParsedFeed {
  channel: FeedChannel;
  products: NormalizedProduct[];
  deleted: SourceDeletion[];
}

/**
 * A product feed at a URL: JSON, CSV or Google Merchant XML. A feed has no incremental mode,
 * so every fetch reads it whole (`since` is ignored) and pages through the products in feed
 * order; the cursor is the number of products already handed out, and a resumed fetch
 * downloads the feed again and skips that many. Items sharing a Merchant `item_group_id` are
 * grouped into one product wherever they stand in the feed, which is why the feed is parsed
 * completely before the first page: CSV and XML as streams, JSON (no streaming parser worth a
 * dependency) as one bounded text.
 */
export function createFeedConnector(options: FeedConnectorOptions): FeedConnector {
  const url = parseHttpUrl(options.url);
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  const http = createPlatformHttp({
    ...options.http,
    defaultHeaders: {
      accept: 'application/json, text/csv, application/xml, text/xml, */*;q=0.5',
      'accept-encoding': 'identity',
    },
  });

  async function readFeed(signal?: AbortSignal): Promise<ParsedFeed> {
    const response = await http.request(url, signal === undefined ? {} : { signal });
    const channel: FeedChannel = { link: null, title: null };
    const body = limitedBody(response, maxBytes);
    const { format, chunks } = await detectFormat(
      options.format,
      header(response.headers, 'content-type'),
      body,
    );
    const base = response.url.href;
    if (format === 'json') {
      const entries = jsonFeedEntries(await collectText(chunks), base);
      return {
        channel,
        products: entries.flatMap((entry) => (entry.kind === 'product' ? [entry.result] : [])),
        deleted: entries.flatMap((entry) => (entry.kind === 'deleted' ? [entry.deletion] : [])),
      };
    }
    const items: MerchantItem[] = [];
    for await (const item of format === 'csv' ? csvItems(chunks) : xmlItems(chunks, channel))
      items.push(item);
    return { channel, products: productsFromMerchantItems(items, base), deleted: [] };
  }

  async function* fetchProducts({ cursor, signal }: FetchOptions): AsyncGenerator<ProductPage> {
    const start = cursor === null ? 0 : Number.parseInt(cursor, 10);
    if (!Number.isSafeInteger(start) || start < 0) {
      throw new ConnectorError('invalid_platform_response', `"${cursor}" is not a feed cursor`);
    }
    const feed = await readFeed(signal);
    const total = feed.products.length;
    // Deletions ride on the first page, so a resumed fetch (start > 0) has already reported them.
    let deleted = start === 0 ? feed.deleted : [];
    let offset = start;
    do {
      const slice = feed.products.slice(offset, offset + pageSize);
      offset += slice.length;
      yield {
        products: slice.flatMap((result) => (result.ok ? [result.product] : [])),
        rejected: slice.flatMap((result) => (result.ok ? [] : [result.rejected])),
        deleted,
        cursor: offset < total ? String(offset) : null,
        total,
      };
      deleted = [];
    } while (offset < total);
  }

  async function verify(signal?: AbortSignal): Promise<StoreIdentity> {
    const feed = await readFeed(signal);
    const first = feed.products.find((result) => result.ok);
    const firstUrl = first?.ok ? first.product.url : null;
    const storefront = feed.channel.link ?? (firstUrl === null ? null : new URL(firstUrl).origin);
    return {
      storefrontUrl: storefront,
      name: feed.channel.title,
      currency: first?.ok ? (first.product.price?.currency ?? null) : null,
    };
  }

  return { platform: 'custom', verify, fetchProducts, close: () => http.close() };
}

async function collectText(chunks: AsyncIterable<Buffer>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return Buffer.concat(parts).toString('utf8');
}

/** The body's chunks, failing once more than `maxBytes` arrived (Content-Length is checked first). */
async function* limitedBody(response: PlatformResponse, maxBytes: number): AsyncGenerator<Buffer> {
  const tooLarge = () =>
    new ConnectorError(
      'invalid_platform_response',
      `The feed at ${response.url.host} is larger than ${maxBytes} bytes`,
    );
  const declared = Number(header(response.headers, 'content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.on('error', () => {}).destroy();
    throw tooLarge();
  }
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) throw tooLarge();
      yield chunk;
    }
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw new ConnectorError(
      'platform_unavailable',
      `The feed download from ${response.url.host} broke off`,
      {
        cause: err,
      },
    );
  }
}

/** The format from the option, else the Content-Type, else the first non-blank byte; chunks are replayed whole. */
async function detectFormat(
  option: FeedFormat | undefined,
  contentType: string | undefined,
  body: AsyncGenerator<Buffer>,
): Promise<{ format: FeedFormat; chunks: AsyncIterable<Buffer> }> {
  if (option !== undefined) return { format: option, chunks: body };
  const type = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'application/json' || type.endsWith('+json')) return { format: 'json', chunks: body };
  if (type === 'text/csv' || type === 'text/tab-separated-values') return { format: 'csv', chunks: body };
  if (type.endsWith('/xml') || type.endsWith('+xml')) return { format: 'google_merchant_xml', chunks: body };
  const first = await body.next();
  const head = first.done
    ? ''
    : first.value
        .subarray(0, 512)
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .trimStart();
  const format: FeedFormat =
    head.startsWith('{') || head.startsWith('[')
      ? 'json'
      : head.startsWith('<')
        ? 'google_merchant_xml'
        : 'csv';
  const chunks = (async function* () {
    if (!first.done) yield first.value;
    yield* body;
  })();
  return { format, chunks };
}
