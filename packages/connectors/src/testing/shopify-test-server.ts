import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as wait } from 'node:timers/promises';
import { loadShopifyAdminSchema } from './shopify-admin-schema.ts';
import {
  createShopifyTestAdminApi,
  type GraphqlRequestRecord,
  type TestBulkOperation,
  type ThrottleSettings,
  type ValidationFailure,
} from './shopify-test-admin-api.ts';
import {
  makeTestProduct,
  restProduct,
  type ShopifyTestImage,
  type ShopifyTestProduct,
  type ShopifyTestProductInput,
  type ShopView,
  secondsIso,
} from './shopify-test-catalog.ts';
import { sniffImageType, solidPng } from './solid-png.ts';

export type { GraphqlRequestRecord, ThrottleSettings, ValidationFailure } from './shopify-test-admin-api.ts';
export type {
  ShopifyTestImage,
  ShopifyTestProduct,
  ShopifyTestProductInput,
  ShopifyTestVariant,
} from './shopify-test-catalog.ts';

export interface ShopifyTestServerOptions {
  /** A number of generated products, or the products themselves (fields left out are made up). */
  products?: number | ShopifyTestProductInput[];
  shop?: string;
  shopName?: string;
  currency?: string;
  storefrontUrl?: string;
  apiKey?: string;
  apiSecret?: string;
  accessToken?: string;
  scopes?: string;
  /**
   * The cost bucket. Defaults to Shopify's Standard plan today (2,000 points restoring 100
   * per second); older docs and most apps assume 1,000 and 50.
   */
  throttle?: Partial<ThrottleSettings>;
  /** How long a bulk operation takes before its file is ready. */
  bulkDelayMs?: number;
  /**
   * Puts each product's media and variant lines this many products later in bulk files:
   * Shopify only promises children come after their parent, not directly after.
   */
  bulkChildrenLag?: number;
  /** Bytes per write of a bulk file download, and a pause between writes (to watch streaming). */
  bulkChunkBytes?: number;
  bulkChunkDelayMs?: number;
  /** The bytes of product `productIndex`'s image `imageIndex` (default: a plain PNG of its size). */
  image?: (productIndex: number, imageIndex: number) => Promise<Buffer>;
  /** Keeps rendered images on disk, so a bench renders each photo once across runs. */
  imageCacheDir?: string;
  schemaFile?: URL | string;
  /** Port on 127.0.0.1 (default: any free one). */
  port?: number;
}

export interface InjectedFailure {
  status: 401 | 403 | 429 | 500 | 502 | 503;
  retryAfter?: string;
  /** Which requests fail: the GraphQL endpoint (default) or bulk file downloads. */
  target?: 'graphql' | 'bulk_file';
}

export interface BulkDownloadRecord {
  operationId: string;
  bytesSent: number;
  fileBytes: number;
  finished: boolean;
  accessTokenSent: boolean;
}

export interface SignedWebhook {
  rawBody: Buffer;
  headers: Record<string, string>;
  webhookId: string;
}

export interface WebhookSendOptions {
  signature?: 'valid' | 'invalid' | 'missing';
  /** Reuse an id to replay a delivery (Shopify's retries carry the same id). */
  webhookId?: string;
}

export type ShopifyWebhookTopic =
  | 'products/create'
  | 'products/update'
  | 'products/delete'
  | 'app/uninstalled';

export interface ShopifyTestServer {
  /** `http://127.0.0.1:<port>`: pass as `adminOrigin` (every shop is served here). */
  readonly origin: string;
  readonly shop: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  readonly accessToken: string;
  readonly currency: string;
  readonly storefrontUrl: string;
  products(): ShopifyTestProduct[];
  product(id: number): ShopifyTestProduct | undefined;
  /** Adds a product or replaces the one with the same id (its updated_at becomes now). */
  upsertProduct(input: ShopifyTestProductInput): ShopifyTestProduct;
  deleteProduct(id: number): void;
  /** Changes the title and updated_at of `count` products spread over the catalog; returns them. */
  touch(count: number): ShopifyTestProduct[];
  setThrottle(settings: Partial<ThrottleSettings> & { currentlyAvailable?: number }): void;
  failNext(failure: InjectedFailure, times?: number): void;
  failNextBulkOperation(status: 'FAILED' | 'CANCELED', errorCode?: string | null): void;
  /** Ages every completed bulk operation past Shopify's 7-day expiry: its file is gone. */
  expireBulkOperations(): void;
  readonly graphqlRequests: readonly GraphqlRequestRecord[];
  /** Every document (or bulk inner query) the schema refused; a correct client leaves it empty. */
  readonly validationFailures: readonly ValidationFailure[];
  readonly bulkOperations: readonly TestBulkOperation[];
  readonly bulkDownloads: readonly BulkDownloadRecord[];
  readonly webhookSubscriptions: readonly {
    id: string;
    topic: string;
    callbackUrl: string;
    format: string;
  }[];
  /** A delivery as Shopify would post it, without posting it. */
  signWebhook(
    topic: ShopifyWebhookTopic,
    productId: number | null,
    options?: WebhookSendOptions,
  ): SignedWebhook;
  sendWebhook(
    topic: ShopifyWebhookTopic,
    productId: number | null,
    callbackUrl: string,
    options?: WebhookSendOptions,
  ): Promise<{ status: number; body: string; webhookId: string }>;
  close(): Promise<void>;
}

const API_PATH = '/admin/api/2025-01/graphql.json';
const IMAGE_PATH = /^\/cdn\/shop\/files\/(\d+)\.jpg$/;
const BULK_PATH = /^\/bulk-operations\/(\d+)\.jsonl$/;

/**
 * A local shop speaking Shopify's documented shapes on 127.0.0.1: OAuth install (auto-approved),
 * the Admin GraphQL API executing the real 2025-01 schema over an in-memory catalog with the
 * calculated-cost throttle, bulk operations with their JSONL files, product images, and
 * signed webhook deliveries.
 */
export async function startShopifyTestServer(
  options: ShopifyTestServerOptions = {},
): Promise<ShopifyTestServer> {
  const shop = options.shop ?? 'nlyzer-test.myshopify.com';
  const apiKey = options.apiKey ?? 'test-api-key';
  const apiSecret = options.apiSecret ?? 'test-api-secret';
  const accessToken = options.accessToken ?? 'shpat_test_access_token';
  const currency = options.currency ?? 'USD';
  const storefrontUrl = options.storefrontUrl ?? 'https://nlyzer-test.example';
  const scopes = options.scopes ?? 'read_products';

  const catalog = new Map<number, { product: ShopifyTestProduct; index: number }>();
  const images = new Map<number, { productIndex: number; imageIndex: number; image: ShopifyTestImage }>();
  let nextIndex = 0;
  function store(product: ShopifyTestProduct, index: number) {
    const previous = catalog.get(product.id);
    for (const image of previous?.product.images ?? []) images.delete(image.id);
    catalog.set(product.id, { product, index });
    for (const [imageIndex, image] of product.images.entries()) {
      images.set(image.id, { productIndex: index, imageIndex, image });
    }
  }
  const initial = options.products ?? 0;
  const inputs = typeof initial === 'number' ? Array.from({ length: initial }, () => ({})) : initial;
  for (const input of inputs) {
    store(makeTestProduct(nextIndex, input), nextIndex);
    nextIndex++;
  }

  let origin = '';
  const shopView: ShopView & { name: string; domain: string } = {
    name: options.shopName ?? 'NLyzer Test Shop',
    domain: shop,
    currency,
    storefrontUrl,
    imageUrl: (image) => image.url ?? `${origin}/cdn/shop/files/${image.id}.jpg`,
  };
  const products = () => [...catalog.values()].map((entry) => entry.product);
  const api = createShopifyTestAdminApi({
    schema: loadShopifyAdminSchema(options.schemaFile),
    shop: shopView,
    products,
    throttle: { maximumAvailable: 2000, restoreRate: 100, ...options.throttle },
    bulkDelayMs: options.bulkDelayMs ?? 50,
    bulkChildrenLag: options.bulkChildrenLag ?? 0,
    bulkFileUrl: (operation) => `${origin}/bulk-operations/${operation.number}.jsonl`,
  });

  const codes = new Set<string>();
  const failures: InjectedFailure[] = [];
  const bulkDownloads: BulkDownloadRecord[] = [];
  const defaultImages = new Map<string, Buffer>();

  async function imageBytes(
    productIndex: number,
    imageIndex: number,
    image: ShopifyTestImage,
  ): Promise<Buffer> {
    const cacheFile =
      options.imageCacheDir === undefined
        ? null
        : join(options.imageCacheDir, `${productIndex}-${imageIndex}.img`);
    if (cacheFile !== null) {
      const cached = await readFile(cacheFile).catch(() => null);
      if (cached !== null) return cached;
    }
    let bytes: Buffer;
    if (options.image !== undefined) bytes = await options.image(productIndex, imageIndex);
    else {
      const shade = (productIndex * 37 + imageIndex * 91) % 200;
      const key = `${image.width}x${image.height}:${shade}`;
      bytes =
        defaultImages.get(key) ??
        solidPng(image.width, image.height, [shade, 255 - shade, (shade * 3) % 256]);
      defaultImages.set(key, bytes);
    }
    if (cacheFile !== null && options.imageCacheDir !== undefined) {
      await mkdir(options.imageCacheDir, { recursive: true });
      await writeFile(cacheFile, bytes);
    }
    return bytes;
  }

  function takeFailure(target: 'graphql' | 'bulk_file'): InjectedFailure | undefined {
    const index = failures.findIndex((failure) => (failure.target ?? 'graphql') === target);
    return index === -1 ? undefined : failures.splice(index, 1)[0];
  }

  function sendFailure(res: ServerResponse, failure: InjectedFailure) {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (failure.retryAfter !== undefined) headers['retry-after'] = failure.retryAfter;
    const body =
      failure.status === 401 || failure.status === 403
        ? { errors: '[API] Invalid API key or access token (unrecognized login or wrong password)' }
        : failure.status === 429
          ? {
              errors:
                'Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.',
            }
          : { errors: 'Service Unavailable' };
    res.writeHead(failure.status, headers).end(JSON.stringify(body));
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', origin);
    if (req.method === 'GET' && url.pathname === '/admin/oauth/authorize') return authorize(url, res);
    if (req.method === 'POST' && url.pathname === '/admin/oauth/access_token') return exchange(req, res);
    if (req.method === 'POST' && url.pathname === API_PATH) {
      const failure = takeFailure('graphql');
      if (failure !== undefined) return sendFailure(res, failure);
      if (req.headers['x-shopify-access-token'] !== accessToken) {
        return sendFailure(res, { status: 401 });
      }
      const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as Record<string, unknown>;
      const answer = await api.answer(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
      return;
    }
    const bulk = BULK_PATH.exec(url.pathname);
    if (req.method === 'GET' && bulk !== null) return download(Number(bulk[1]), req, res);
    const image = IMAGE_PATH.exec(url.pathname);
    if (req.method === 'GET' && image !== null) {
      const entry = images.get(Number(image[1]));
      if (entry === undefined) return void res.writeHead(404).end('Not Found');
      const bytes = await imageBytes(entry.productIndex, entry.imageIndex, entry.image);
      res
        .writeHead(200, { 'content-type': sniffImageType(bytes), 'content-length': bytes.length })
        .end(bytes);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: 'Not Found' }));
  }

  /** Auto-approves the install: straight back to the app with a signed code, as Shopify does. */
  function authorize(url: URL, res: ServerResponse) {
    const redirectUri = url.searchParams.get('redirect_uri');
    if (url.searchParams.get('client_id') !== apiKey || redirectUri === null) {
      return void res
        .writeHead(400, { 'content-type': 'text/plain' })
        .end('Oauth error invalid_request: The client_id or redirect_uri is invalid');
    }
    const code = randomBytes(16).toString('hex');
    codes.add(code);
    const query: Record<string, string> = {
      code,
      host: Buffer.from(`admin.shopify.com/store/${shop.replace('.myshopify.com', '')}`).toString(
        'base64url',
      ),
      shop,
      state: url.searchParams.get('state') ?? '',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    const message = Object.keys(query)
      .sort()
      .map((key) => `${key}=${query[key]}`)
      .join('&');
    const target = new URL(redirectUri);
    for (const [key, value] of Object.entries(query)) target.searchParams.set(key, value);
    target.searchParams.set('hmac', createHmac('sha256', apiSecret).update(message).digest('hex'));
    res.writeHead(302, { location: target.href }).end();
  }

  async function exchange(req: IncomingMessage, res: ServerResponse) {
    const raw = (await readBody(req)).toString('utf8');
    const body = (req.headers['content-type'] ?? '').includes('json')
      ? (JSON.parse(raw || '{}') as Record<string, string>)
      : Object.fromEntries(new URLSearchParams(raw));
    if (body.client_id !== apiKey || body.client_secret !== apiSecret || !codes.delete(body.code ?? '')) {
      res.writeHead(400, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          error: 'invalid_request',
          error_description: 'The authorization code was not found or was already used',
        }),
      );
      return;
    }
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ access_token: accessToken, scope: scopes }));
  }

  async function download(number: number, req: IncomingMessage, res: ServerResponse) {
    const failure = takeFailure('bulk_file');
    if (failure !== undefined) return sendFailure(res, failure);
    const operation = api.operations.find((candidate) => candidate.number === number);
    if (operation?.file === null || operation === undefined || operation.status !== 'COMPLETED') {
      // Signed storage URLs answer 403 once expired.
      return void res
        .writeHead(403, { 'content-type': 'application/xml' })
        .end('<Error><Code>ExpiredToken</Code></Error>');
    }
    const file = operation.file;
    const record: BulkDownloadRecord = {
      operationId: operation.id,
      bytesSent: 0,
      fileBytes: file.length,
      finished: false,
      accessTokenSent: req.headers['x-shopify-access-token'] !== undefined,
    };
    bulkDownloads.push(record);
    res.writeHead(200, { 'content-type': 'application/jsonl', 'content-length': file.length });
    const chunkBytes = options.bulkChunkBytes ?? 64 * 1024;
    for (let offset = 0; offset < file.length && !res.destroyed; offset += chunkBytes) {
      const piece = file.subarray(offset, offset + chunkBytes);
      record.bytesSent += piece.length;
      if (!res.write(piece)) await writable(res);
      if (options.bulkChunkDelayMs !== undefined) await wait(options.bulkChunkDelayMs);
    }
    res.end();
    record.finished = !res.destroyed && record.bytesSent === file.length;
  }

  function signWebhook(
    topic: ShopifyWebhookTopic,
    productId: number | null,
    send: WebhookSendOptions = {},
  ): SignedWebhook {
    let payload: Record<string, unknown>;
    if (topic === 'app/uninstalled') {
      payload = {
        id: 1,
        name: shopView.name,
        domain: new URL(storefrontUrl).host,
        myshopify_domain: shop,
        currency,
      };
    } else if (topic === 'products/delete') {
      payload = { id: productId };
    } else {
      const product = productId === null ? undefined : catalog.get(productId)?.product;
      if (product === undefined) throw new RangeError(`no product ${productId} to send with ${topic}`);
      payload = restProduct(product, shopView);
    }
    const rawBody = Buffer.from(JSON.stringify(payload));
    const webhookId = send.webhookId ?? randomUUID();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-shopify-topic': topic,
      'x-shopify-shop-domain': shop,
      'x-shopify-webhook-id': webhookId,
      'x-shopify-event-id': randomUUID(),
      'x-shopify-api-version': '2025-01',
      'x-shopify-triggered-at': new Date().toISOString(),
    };
    const signature = send.signature ?? 'valid';
    if (signature !== 'missing') {
      const secret = signature === 'valid' ? apiSecret : `${apiSecret}-not`;
      headers['x-shopify-hmac-sha256'] = createHmac('sha256', secret).update(rawBody).digest('base64');
    }
    return { rawBody, headers, webhookId };
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ errors: String(err) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    shop,
    apiKey,
    apiSecret,
    accessToken,
    currency,
    storefrontUrl,
    products,
    product: (id) => catalog.get(id)?.product,
    upsertProduct(input) {
      const existing = input.id === undefined ? undefined : catalog.get(input.id);
      const index = existing?.index ?? nextIndex++;
      const product = makeTestProduct(index, {
        ...input,
        updatedAt: input.updatedAt ?? secondsIso(Date.now()),
      });
      store(product, index);
      return product;
    },
    deleteProduct(id) {
      for (const image of catalog.get(id)?.product.images ?? []) images.delete(image.id);
      catalog.delete(id);
    },
    touch(count) {
      const all = products();
      const step = Math.max(1, Math.floor(all.length / Math.max(1, count)));
      const changed: ShopifyTestProduct[] = [];
      const now = secondsIso(Date.now());
      for (let i = 0; i < all.length && changed.length < count; i += step) {
        const product = all[i] as ShopifyTestProduct;
        product.title = `${product.title.replace(/ \(rev \d+\)$/, '')} (rev ${Date.now()})`;
        product.updatedAt = now;
        changed.push(product);
      }
      return changed;
    },
    setThrottle: (settings) => api.setThrottle(settings),
    failNext(failure, times = 1) {
      for (let i = 0; i < times; i++) failures.push(failure);
    },
    failNextBulkOperation: (status, errorCode = null) => api.failNextBulkOperation(status, errorCode),
    expireBulkOperations: () => api.expireBulkOperations(),
    graphqlRequests: api.requests,
    validationFailures: api.validationFailures,
    bulkOperations: api.operations,
    bulkDownloads,
    webhookSubscriptions: api.webhookSubscriptions,
    signWebhook,
    async sendWebhook(topic, productId, callbackUrl, send = {}) {
      const delivery = signWebhook(topic, productId, send);
      const response = await fetch(callbackUrl, {
        method: 'POST',
        headers: delivery.headers,
        body: delivery.rawBody,
      });
      return { status: response.status, body: await response.text(), webhookId: delivery.webhookId };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** Resolves when the response can take more, or is gone. */
function writable(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
