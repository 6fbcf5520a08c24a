import { StringDecoder } from 'node:string_decoder';
import { setTimeout as wait } from 'node:timers/promises';
import type { ProductPage } from '../catalog-connector.ts';
import { ConnectorError } from '../connector-error.ts';
import type { PlatformHttp } from '../platform-http.ts';
import type { ShopifyAdminClient } from './shopify-admin-client.ts';
import { shopifyProduct } from './shopify-product.ts';
import {
  BULK_OPERATION_QUERY,
  BULK_RUN_MUTATION,
  bulkProductsQuery,
  CURRENT_BULK_OPERATION_QUERY,
  type MediaNode,
  type ProductNode,
  type VariantNode,
} from './shopify-product-documents.ts';

/** Products per yielded page of a bulk download. */
export const BULK_PAGE_SIZE = 250;
/**
 * Shopify lists a product's media and variants after it, "but not necessarily directly
 * after". A product is yielded only once this many later products have started, so
 * children that trail their product by up to that many are still attached to it.
 */
export const CHILD_LOOKAHEAD = 250;
const POLL_MAX_MS = 5_000;

interface BulkOperation {
  id: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'CANCELING' | 'CANCELED' | 'FAILED' | 'EXPIRED';
  errorCode: string | null;
  url: string | null;
  rootObjectCount: string;
  query: string;
}

export interface BulkResume {
  operationId: string;
  /** The JSONL line the next product starts on. */
  line: number;
}

const CURSOR = /^bulk:(gid:\/\/shopify\/BulkOperation\/\d+):(\d+)$/;

export const bulkCursor = (operationId: string, line: number) => `bulk:${operationId}:${line}`;

export function parseBulkCursor(cursor: string): BulkResume | null {
  const match = CURSOR.exec(cursor);
  return match === null ? null : { operationId: match[1] as string, line: Number(match[2]) };
}

export interface BulkProductsOptions {
  client: ShopifyAdminClient;
  http: PlatformHttp;
  /** Shopify search syntax narrowing the products (`updated_at:>'…'`), or null for all. */
  filter: string | null;
  resume: BulkResume | null;
  pollIntervalMs: number;
  signal?: AbortSignal;
}

/**
 * Every product through a bulk operation: Shopify runs the query on its side and leaves a
 * JSONL file where each product line is followed by its media and variant lines
 * (`__parentId`). The file is read as a stream, line by line, and products are yielded in
 * pages once complete, so a 100,000-product catalog never sits in memory: at most
 * BULK_PAGE_SIZE + CHILD_LOOKAHEAD products do.
 *
 * Resuming: a page's cursor names the operation and the line its next product starts on.
 * The file cannot be opened mid-way, so a resumed fetch downloads it again and skips lines
 * up to there (and child lines met later whose product went out before the cut). When
 * that operation's file is gone (expired after a week, failed, cancelled) the fetch starts a
 * new operation from the top; products already stored then come again and the diff finds
 * them unchanged, so nothing is lost or doubled.
 */
export async function* bulkProductPages(options: BulkProductsOptions): AsyncGenerator<ProductPage> {
  const { client, signal } = options;
  const query = bulkProductsQuery(options.filter);
  let skip = 0;
  let operation: BulkOperation | null = null;
  if (options.resume !== null) {
    const { node } = await client.graphql<{ node: BulkOperation | null }>(
      BULK_OPERATION_QUERY,
      { id: options.resume.operationId },
      signal,
    );
    if (node?.status === 'COMPLETED' && node.url !== null) {
      operation = node;
      skip = options.resume.line;
    }
  }
  operation ??= await finished(await start(client, query, options.pollIntervalMs, signal), options);
  const total = Number(operation.rootObjectCount);
  // No file at all means the query matched nothing.
  if (operation.url === null) {
    yield { products: [], rejected: [], deleted: [], cursor: null, total: 0 };
    return;
  }

  // Products read but not yet yielded, in file order, with the line each starts on.
  const pending = new Map<string, { node: ProductNode; line: number }>();
  const resumed = skip > 0;
  let yielded = false;
  /** The oldest `count` pending products as a page; its cursor is where the next pending one starts. */
  const takePage = (count: number): ProductPage => {
    const page = emptyPage(total);
    for (const [key, { node }] of pending) {
      if (count-- <= 0) break;
      pending.delete(key);
      const outcome = shopifyProduct(node);
      if (outcome.kind === 'product') page.products.push(outcome.product);
      else if (outcome.kind === 'rejected') page.rejected.push(outcome.rejected);
      else page.deleted.push(outcome.deletion);
    }
    const next = pending.values().next();
    page.cursor = next.done ? null : bulkCursor(operation.id, next.value.line);
    yielded = true;
    return page;
  };
  for await (const [lineNo, line] of jsonLines(options.http, operation.url, signal)) {
    if (lineNo < skip) continue;
    const row = parseRow(line, lineNo);
    if (typeof row.__parentId !== 'string') {
      if (pending.size >= BULK_PAGE_SIZE + CHILD_LOOKAHEAD) yield takePage(BULK_PAGE_SIZE);
      const node = { ...(row as Omit<ProductNode, 'media' | 'variants'>), media: [], variants: [] };
      pending.set(typeof row.id === 'string' ? row.id : `line:${lineNo}`, { node, line: lineNo });
      continue;
    }
    const parent = pending.get(row.__parentId)?.node;
    if (parent === undefined) {
      // Resumed past its product's line: the product went out in an earlier page.
      if (resumed) continue;
      throw new ConnectorError(
        'invalid_platform_response',
        `Line ${lineNo + 1} of the bulk file belongs to ${row.__parentId}, more than ${CHILD_LOOKAHEAD} products after it`,
      );
    }
    if (typeof row.id === 'string' && row.id.startsWith('gid://shopify/ProductVariant/')) {
      parent.variants.push(row as VariantNode);
    } else if ('mediaContentType' in row) {
      parent.media.push(row as MediaNode);
    }
  }
  while (pending.size > 0) yield takePage(BULK_PAGE_SIZE);
  if (!yielded) yield takePage(0);
}

const emptyPage = (total: number): ProductPage => ({
  products: [],
  rejected: [],
  deleted: [],
  cursor: null,
  total: Number.isFinite(total) ? total : null,
});

function parseRow(line: string, lineNo: number): Record<string, unknown> & { __parentId?: unknown } {
  try {
    const row: unknown = JSON.parse(line);
    if (typeof row === 'object' && row !== null && !Array.isArray(row)) return row as Record<string, unknown>;
  } catch {
    // Reported below with the line number.
  }
  throw new ConnectorError(
    'invalid_platform_response',
    `Line ${lineNo + 1} of the bulk file is not a JSON object`,
  );
}

async function start(
  client: ShopifyAdminClient,
  query: string,
  pollIntervalMs: number,
  signal: AbortSignal | undefined,
): Promise<BulkOperation> {
  for (;;) {
    const { bulkOperationRunQuery: answer } = await client.graphql<{
      bulkOperationRunQuery: {
        bulkOperation: BulkOperation | null;
        userErrors: { code: string | null; message: string }[];
      } | null;
    }>(BULK_RUN_MUTATION, { query }, signal);
    if (answer?.bulkOperation) return answer.bulkOperation;
    const errors = answer?.userErrors ?? [];
    if (!errors.some((error) => error.code === 'OPERATION_IN_PROGRESS')) {
      throw new ConnectorError(
        'invalid_platform_response',
        `Shopify refused the bulk query: ${errors.map((error) => error.message).join('; ') || 'no operation'}`,
      );
    }
    // One bulk query per app and shop at a time: a run that crashed may have left its own
    // running. Take it over when it is the same query, else wait for it to end.
    const { currentBulkOperation: current } = await client.graphql<{
      currentBulkOperation: BulkOperation | null;
    }>(CURRENT_BULK_OPERATION_QUERY, {}, signal);
    if (current !== null && current.query === query && !isOver(current.status)) return current;
    await wait(pollIntervalMs, undefined, signal === undefined ? {} : { signal });
  }
}

const isOver = (status: BulkOperation['status']) =>
  status === 'COMPLETED' || status === 'FAILED' || status === 'CANCELED' || status === 'EXPIRED';

/** Polls until the operation ends; only COMPLETED is usable. */
async function finished(operation: BulkOperation, options: BulkProductsOptions): Promise<BulkOperation> {
  let current = operation;
  for (let polls = 0; !isOver(current.status); polls++) {
    // Large catalogs take minutes: poll often at first, then settle at a few seconds.
    const delay = Math.min(POLL_MAX_MS, options.pollIntervalMs * 2 ** Math.floor(polls / 10));
    await wait(delay, undefined, options.signal === undefined ? {} : { signal: options.signal });
    const { node } = await options.client.graphql<{ node: BulkOperation | null }>(
      BULK_OPERATION_QUERY,
      { id: current.id },
      options.signal,
    );
    if (node === null) {
      throw new ConnectorError('invalid_platform_response', `Shopify lost bulk operation ${current.id}`);
    }
    current = node;
  }
  if (current.status !== 'COMPLETED') {
    throw new ConnectorError(
      'platform_unavailable',
      `Shopify's bulk operation ${current.id} ended ${current.status}${current.errorCode ? ` (${current.errorCode})` : ''}`,
    );
  }
  return current;
}

/**
 * The lines of a remote file as [index, text], read chunk by chunk. The file sits on
 * Shopify's storage, not the shop: the request carries no access token.
 */
async function* jsonLines(
  http: PlatformHttp,
  url: string,
  signal: AbortSignal | undefined,
): AsyncGenerator<[number, string]> {
  const response = await http.request(url, signal === undefined ? {} : { signal });
  const decoder = new StringDecoder('utf8');
  let rest = '';
  let index = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      const text = rest + decoder.write(chunk);
      let from = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', from)) {
        const line = text.slice(from, end);
        from = end + 1;
        if (line.trim() !== '') yield [index++, line];
      }
      rest = text.slice(from);
    }
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    signal?.throwIfAborted();
    throw new ConnectorError('platform_unavailable', 'The bulk file download broke off', { cause: err });
  } finally {
    if (!response.body.destroyed) response.body.destroy();
  }
  const last = rest + decoder.end();
  if (last.trim() !== '') yield [index, last];
}
