import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { oauthSignature } from '../woocommerce/woocommerce-auth.ts';
import {
  catalogImageUrls,
  catalogProductUrl,
  closeServer,
  serveCatalogImage,
  type TestCatalogProduct,
} from './feed-test-server.ts';

// A local server speaking WooCommerce's REST API (wc/v3) over real HTTP on 127.0.0.1: the
// routes the connector uses, WooCommerce's pagination headers and error shape, OAuth 1.0a
// (what WooCommerce demands over plain HTTP) and HTTP Basic, and signed webhook deliveries.
// Every JSON body it sends is recorded in `responses` so tests can check it against the
// wc/v3 OpenAPI document.

export interface WooCommerceTestServerOptions {
  products: readonly TestCatalogProduct[];
  consumerKey: string;
  consumerSecret: string;
  /** WooCommerce refuses `per_page` above this (100 in WooCommerce). */
  perPageMax?: number;
  currency?: string;
  /** Bytes of catalog image `imageIndex` of product `productIndex` (default: a distinct solid PNG). */
  image?: (productIndex: number, imageIndex: number) => Buffer;
  /** Port on 127.0.0.1 (default: any free one). */
  port?: number;
}

export interface WooCommerceRecordedResponse {
  /** The OpenAPI path template (`/products/{product_id}/variations`), null outside the API. */
  operation: string | null;
  method: string;
  status: number;
  body: unknown;
}

export interface WooCommerceInjectedFailure {
  status: 429 | 500 | 502 | 503 | 504;
  /** Sent as Retry-After when given (seconds, or an HTTP date). */
  retryAfter?: string;
  /** How many requests in a row fail (default 1). */
  times?: number;
}

export type WooCommerceSignatureMode = 'valid' | 'invalid' | 'missing';

export interface WooCommerceTestServer {
  /** The WordPress site URL (`http://127.0.0.1:<port>`). */
  origin: string;
  /** Catalog products by id: replace one, add one, or change its status (`trash`, `draft`). */
  upsertProduct(product: TestCatalogProduct, status?: string): void;
  setStatus(id: number, status: string): void;
  /** The next API requests fail with this status (throttling, outages). */
  failNext(failure: WooCommerceInjectedFailure): void;
  /** API requests received, in order, with their query. */
  requests: { method: string; path: string; query: Record<string, string> }[];
  responses: WooCommerceRecordedResponse[];
  webhooks: { id: number; topic: string; delivery_url: string; secret: string; status: string }[];
  /** Delivers a product webhook as WooCommerce does (the current catalog product for created/updated). */
  sendWebhook(
    topic: 'product.created' | 'product.updated' | 'product.deleted',
    productId: number,
    deliveryUrl: string,
    secret: string,
    signature?: WooCommerceSignatureMode,
  ): Promise<{ status: number; deliveryId: string }>;
  /** The unsigned `webhook_id=N` form WooCommerce posts when a webhook is created. */
  sendPing(deliveryUrl: string, webhookId: number): Promise<{ status: number }>;
  /** The wc/v3 JSON of a catalog product as the API serves it. */
  productJson(id: number): Record<string, unknown>;
  close(): Promise<void>;
}

interface StoredProduct {
  product: TestCatalogProduct;
  index: number;
  status: string;
}

const API = '/wp-json/wc/v3';

export async function startWooCommerceTestServer(
  options: WooCommerceTestServerOptions,
): Promise<WooCommerceTestServer> {
  const perPageMax = options.perPageMax ?? 100;
  const currency = options.currency ?? 'USD';
  const catalog = new Map<number | string, StoredProduct>();
  options.products.forEach((product, index) => {
    catalog.set(product.id ?? `missing-${index}`, { product, index, status: 'publish' });
  });
  const failures: WooCommerceInjectedFailure[] = [];
  const requests: WooCommerceTestServer['requests'] = [];
  const responses: WooCommerceRecordedResponse[] = [];
  const webhooks: WooCommerceTestServer['webhooks'] = [];
  const nonces = new Set<string>();
  let origin = '';
  let deliveries = 0;

  function send(
    res: ServerResponse,
    operation: string | null,
    method: string,
    status: number,
    body: unknown,
    headers = {},
  ) {
    responses.push({ operation, method, status, body });
    res
      .writeHead(status, { 'content-type': 'application/json; charset=UTF-8', ...headers })
      .end(JSON.stringify(body));
  }

  function error(
    res: ServerResponse,
    operation: string | null,
    method: string,
    status: number,
    code: string,
    message: string,
  ) {
    send(res, operation, method, status, { code, message, data: { status } });
  }

  function productJson(stored: StoredProduct): Record<string, unknown> {
    const { product, index, status } = stored;
    const modified = product.modifiedAt.replace(/\.\d+Z$|Z$/, '');
    return {
      ...(product.id === null ? {} : { id: product.id }),
      name: product.title,
      slug: product.title.toLowerCase().replace(/[^a-z0-9]+/g, '-'),
      permalink: catalogProductUrl(product, origin),
      date_created: modified,
      date_created_gmt: modified,
      date_modified: modified,
      date_modified_gmt: modified,
      type: product.variants.length > 0 ? 'variable' : 'simple',
      status,
      featured: false,
      catalog_visibility: 'visible',
      description: product.description,
      short_description: '',
      sku: product.id === null ? '' : `SKU-${product.id}`,
      price: product.variants.length > 0 ? lowestVariantPrice(product) : product.price,
      regular_price: product.variants.length > 0 ? '' : product.price,
      sale_price: '',
      on_sale: false,
      purchasable: true,
      stock_status: product.inStock ? 'instock' : 'outofstock',
      categories: product.categories.map((name, i) => ({ id: 100 + i, name, slug: name.toLowerCase() })),
      tags:
        product.brand === null ? [] : [{ id: 200, name: product.brand, slug: product.brand.toLowerCase() }],
      images: catalogImageUrls(product, index, origin).map((src, i) => ({
        id: 1000 + i,
        date_created: modified,
        date_created_gmt: modified,
        date_modified: modified,
        date_modified_gmt: modified,
        src,
        name: `image-${i}`,
        alt: '',
      })),
      attributes:
        product.variants.length > 0
          ? [
              {
                id: 1,
                name: 'Size',
                position: 0,
                visible: true,
                variation: true,
                options: product.variants.map((v) => v.size),
              },
            ]
          : [],
      variations: product.variants.map((variant) => variant.id),
      menu_order: 0,
      meta_data: [],
    };
  }

  function variationJson(product: TestCatalogProduct, variant: TestCatalogProduct['variants'][number]) {
    const modified = product.modifiedAt.replace(/\.\d+Z$|Z$/, '');
    return {
      id: variant.id,
      date_created: modified,
      date_modified: modified,
      permalink: `${catalogProductUrl(product, origin)}?attribute_size=${variant.size}`,
      sku: `SKU-${variant.id}`,
      price: variant.price,
      regular_price: variant.price,
      sale_price: '',
      on_sale: false,
      status: 'publish',
      purchasable: true,
      stock_status: variant.inStock ? 'instock' : 'outofstock',
      attributes: [{ id: 1, name: 'Size', option: variant.size }],
      menu_order: 0,
      meta_data: [],
    };
  }

  /** OAuth 1.0a one-legged (plain HTTP) or Basic; null when authenticated, else the refusal. */
  function authFailure(req: IncomingMessage, url: URL): string | null {
    const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
    if (basic !== null) {
      const expected = Buffer.from(`${options.consumerKey}:${options.consumerSecret}`).toString('base64');
      return basic[1] === expected ? null : 'Consumer key or secret is invalid.';
    }
    const params = url.searchParams;
    if (params.get('oauth_consumer_key') !== options.consumerKey) return 'Consumer key is invalid.';
    const timestamp = Number(params.get('oauth_timestamp'));
    if (!Number.isFinite(timestamp) || Math.abs(Date.now() / 1000 - timestamp) > 15 * 60) {
      return 'Invalid timestamp.';
    }
    const nonce = params.get('oauth_nonce') ?? '';
    if (nonce === '' || nonces.has(`${timestamp}:${nonce}`))
      return 'Invalid nonce - nonce has already been used.';
    const expected = oauthSignature(req.method ?? 'GET', url, options.consumerSecret);
    if (params.get('oauth_signature') !== expected)
      return 'Invalid signature - provided signature does not match.';
    nonces.add(`${timestamp}:${nonce}`);
    return null;
  }

  function listed(query: URLSearchParams): StoredProduct[] {
    const status = query.get('status') ?? 'any';
    const after = query.get('modified_after');
    // WooCommerce reads dates as site-local time unless dates_are_gmt is set; this site's zone is UTC either way.
    const afterTime =
      after === null ? null : Date.parse(/Z|[+-]\d\d:\d\d$/.test(after) ? after : `${after}Z`);
    const rows = [...catalog.values()].filter(
      (stored) =>
        (status === 'any' ? stored.status !== 'trash' : stored.status === status) &&
        (afterTime === null || Date.parse(stored.product.modifiedAt) > afterTime),
    );
    const orderby = query.get('orderby') ?? 'date';
    const key = (stored: StoredProduct) =>
      orderby === 'id'
        ? (stored.product.id ?? 0)
        : Date.parse(stored.product.modifiedAt) * 1e6 + (stored.product.id ?? 0);
    rows.sort((a, b) => key(a) - key(b));
    return query.get('order') === 'desc' ? rows.reverse() : rows;
  }

  function paginate<T>(
    res: ServerResponse,
    operation: string,
    url: URL,
    rows: readonly T[],
    render: (row: T) => unknown,
  ) {
    const perPage = Number(url.searchParams.get('per_page') ?? '10');
    const page = Number(url.searchParams.get('page') ?? '1');
    if (!Number.isInteger(perPage) || perPage < 1 || perPage > perPageMax) {
      return error(
        res,
        operation,
        'get',
        400,
        'rest_invalid_param',
        `Invalid parameter(s): per_page (must be between 1 and ${perPageMax})`,
      );
    }
    const totalPages = Math.ceil(rows.length / perPage);
    if (!Number.isInteger(page) || page < 1 || (page > totalPages && rows.length > 0)) {
      return error(
        res,
        operation,
        'get',
        400,
        'rest_post_invalid_page_number',
        'The page number requested is larger than the number of pages available.',
      );
    }
    const links: string[] = [];
    const linkTo = (target: number) => {
      const next = new URL(url);
      for (const name of [...next.searchParams.keys()])
        if (name.startsWith('oauth_')) next.searchParams.delete(name);
      next.searchParams.set('page', String(target));
      return `<${next.href}>`;
    };
    if (page > 1) links.push(`${linkTo(page - 1)}; rel="prev"`);
    if (page < totalPages) links.push(`${linkTo(page + 1)}; rel="next"`);
    send(res, operation, 'get', 200, rows.slice((page - 1) * perPage, page * perPage).map(render), {
      'x-wp-total': String(rows.length),
      'x-wp-totalpages': String(totalPages),
      ...(links.length > 0 ? { link: links.join(', ') } : {}),
    });
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL) {
    const method = (req.method ?? 'GET').toUpperCase();
    const route = url.pathname.slice(API.length);
    const query: Record<string, string> = {};
    for (const [name, value] of url.searchParams) if (!name.startsWith('oauth_')) query[name] = value;
    requests.push({ method, path: route, query });
    const failure = failures[0];
    if (failure !== undefined) {
      failure.times = (failure.times ?? 1) - 1;
      if (failure.times <= 0) failures.shift();
      return send(
        res,
        null,
        method.toLowerCase(),
        failure.status,
        { code: 'unavailable', message: 'Try later.', data: { status: failure.status } },
        failure.retryAfter === undefined ? {} : { 'retry-after': failure.retryAfter },
      );
    }
    const refusal = authFailure(req, url);
    if (refusal !== null) {
      return error(
        res,
        null,
        method.toLowerCase(),
        401,
        'woocommerce_rest_cannot_view',
        `Sorry, you cannot list resources. ${refusal}`,
      );
    }
    const body = method === 'GET' ? undefined : await readJson(req);
    if (method === 'GET' && route === '/system_status') {
      return send(res, '/system_status', 'get', 200, {
        environment: { home_url: `${origin}/`, site_url: `${origin}/`, version: '9.4.0', wp_version: '6.7' },
        settings: {
          api_enabled: true,
          force_ssl: false,
          currency,
          currency_symbol: '$',
          currency_position: 'left',
          number_of_decimals: 2,
        },
      });
    }
    if (method === 'GET' && route === '/products') {
      return paginate(res, '/products', url, listed(url.searchParams), productJson);
    }
    const variations = /^\/products\/(\d+)\/variations$/.exec(route);
    if (method === 'GET' && variations !== null) {
      const stored = catalog.get(Number(variations[1]));
      if (stored === undefined)
        return error(
          res,
          '/products/{product_id}/variations',
          'get',
          404,
          'woocommerce_rest_product_invalid_id',
          'Invalid ID.',
        );
      return paginate(res, '/products/{product_id}/variations', url, stored.product.variants, (v) =>
        variationJson(stored.product, v),
      );
    }
    if (method === 'GET' && route === '/webhooks')
      return send(res, '/webhooks', 'get', 200, webhooks.map(webhookJson));
    if (method === 'POST' && route === '/webhooks') {
      const hook = {
        id: webhooks.length + 1,
        topic: String(body?.topic),
        delivery_url: String(body?.delivery_url),
        secret: String(body?.secret ?? ''),
        status: String(body?.status ?? 'active'),
      };
      webhooks.push(hook);
      return send(res, '/webhooks', 'post', 201, webhookJson(hook));
    }
    const webhook = /^\/webhooks\/(\d+)$/.exec(route);
    if (method === 'PUT' && webhook !== null) {
      const hook = webhooks.find((h) => h.id === Number(webhook[1]));
      if (hook === undefined)
        return error(res, '/webhooks/{id}', 'put', 404, 'woocommerce_rest_webhook_invalid_id', 'Invalid ID.');
      Object.assign(hook, {
        ...(body?.secret === undefined ? {} : { secret: String(body.secret) }),
        ...(body?.status === undefined ? {} : { status: String(body.status) }),
        ...(body?.delivery_url === undefined ? {} : { delivery_url: String(body.delivery_url) }),
      });
      return send(res, '/webhooks/{id}', 'put', 200, webhookJson(hook));
    }
    error(
      res,
      null,
      method.toLowerCase(),
      404,
      'rest_no_route',
      'No route was found matching the URL and request method.',
    );
  }

  function webhookJson(hook: WooCommerceTestServer['webhooks'][number]) {
    const [resource, event] = hook.topic.split('.');
    return {
      id: hook.id,
      name: `Webhook ${hook.id}`,
      status: hook.status,
      topic: hook.topic,
      resource,
      event,
      hooks: [`woocommerce_${event}_${resource}`],
      delivery_url: hook.delivery_url,
      date_created: '2026-11-01T00:00:00',
      date_created_gmt: '2026-11-01T00:00:00',
      date_modified: '2026-11-01T00:00:00',
      date_modified_gmt: '2026-11-01T00:00:00',
    };
  }

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
    if (url.pathname.startsWith(`${API}/`)) {
      handleApi(req, res, url).catch((err: unknown) => {
        res.writeHead(500).end(String(err));
      });
      return;
    }
    if (serveCatalogImage(req, res, options.image)) return;
    res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not found</h1>');
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  async function deliver(deliveryUrl: string, body: string, headers: Record<string, string>) {
    const response = await fetch(deliveryUrl, { method: 'POST', body, headers });
    await response.arrayBuffer();
    return response.status;
  }

  return {
    origin,
    upsertProduct(product, status = 'publish') {
      if (product.id === null) throw new Error('a catalog product needs an id to be upserted');
      const index = catalog.get(product.id)?.index ?? catalog.size;
      catalog.set(product.id, { product, index, status });
    },
    setStatus(id, status) {
      const stored = catalog.get(id);
      if (stored === undefined) throw new Error(`no product ${id}`);
      stored.status = status;
    },
    failNext: (failure) => failures.push({ ...failure }),
    requests,
    responses,
    webhooks,
    async sendWebhook(topic, productId, deliveryUrl, secret, signature = 'valid') {
      const stored = catalog.get(productId);
      if (stored === undefined) throw new Error(`no product ${productId}`);
      const payload = topic === 'product.deleted' ? { id: productId } : productJson(stored);
      responses.push({ operation: 'webhook', method: 'post', status: 200, body: payload });
      const body = JSON.stringify(payload);
      const deliveryId = String(++deliveries);
      const [resource, event] = topic.split('.') as [string, string];
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        'x-wc-webhook-source': `${origin}/`,
        'x-wc-webhook-topic': topic,
        'x-wc-webhook-resource': resource,
        'x-wc-webhook-event': event,
        'x-wc-webhook-id': String(webhooks.find((hook) => hook.topic === topic)?.id ?? 1),
        'x-wc-webhook-delivery-id': deliveryId,
      };
      if (signature !== 'missing') {
        const key = signature === 'valid' ? secret : `${secret}-wrong`;
        headers['x-wc-webhook-signature'] = createHmac('sha256', key).update(body).digest('base64');
      }
      return { status: await deliver(deliveryUrl, body, headers), deliveryId };
    },
    async sendPing(deliveryUrl, webhookId) {
      const status = await deliver(deliveryUrl, `webhook_id=${webhookId}`, {
        'content-type': 'application/x-www-form-urlencoded',
      });
      return { status };
    },
    productJson(id) {
      const stored = catalog.get(id);
      if (stored === undefined) throw new Error(`no product ${id}`);
      return productJson(stored);
    },
    close: () => closeServer(server),
  };
}

function lowestVariantPrice(product: TestCatalogProduct): string {
  const prices = product.variants
    .map((variant) => Number(variant.price))
    .filter((price) => Number.isFinite(price));
  return prices.length === 0 ? '' : Math.min(...prices).toFixed(2);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown> | undefined> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
