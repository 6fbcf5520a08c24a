import type { CatalogConnector, FetchOptions, ProductPage, StoreIdentity } from '../catalog-connector.ts';
import { ConnectorError } from '../connector-error.ts';
import { createPlatformHttp, header, type PlatformHttpOptions, parseHttpUrl } from '../platform-http.ts';
import type { RejectedSourceProduct, SourceDeletion, SourceProduct } from '../source-product.ts';
import { authenticate, type WooCredentials } from './woocommerce-auth.ts';
import { fromWooProduct, isListed, type WooProduct, type WooVariation } from './woocommerce-product.ts';

export interface WooCommerceConnectorOptions extends WooCredentials {
  /** The WordPress site (`https://shop.example`); the REST API lives under `/wp-json/wc/v3`. */
  storeUrl: string;
  http?: PlatformHttpOptions;
  /** Products per page; WooCommerce caps `per_page` at 100. */
  pageSize?: number;
}

export type WooCommerceConnector = CatalogConnector & {
  /** Subscribes `deliveryUrl` to product.created/updated/deleted, signed with `secret` (idempotent). */
  registerWebhooks(deliveryUrl: string, secret: string): Promise<void>;
  /** Closes the connector's HTTP connections. */
  close(): Promise<void>;
};

export const WOOCOMMERCE_WEBHOOK_TOPICS = ['product.created', 'product.updated', 'product.deleted'] as const;

/** Variable products whose variations are fetched at once while a page is read. */
const VARIATION_CONCURRENCY = 4;

interface WooSystemStatus {
  environment?: { home_url?: string; site_url?: string };
  settings?: { currency?: string };
}

interface WooWebhook {
  id?: number;
  topic?: string;
  delivery_url?: string;
}

/**
 * A WooCommerce store through its REST API (wc/v3). Full syncs page through every product by
 * id (ids never move, so a product edited mid-sync does not shift the pages); incremental syncs
 * ask for `modified_after` in GMT, oldest change first. The cursor is the next page number:
 * resuming re-reads that page from the top, which is harmless because the sync upserts by id.
 */
export function createWooCommerceConnector(options: WooCommerceConnectorOptions): WooCommerceConnector {
  const site = parseHttpUrl(options.storeUrl);
  const apiRoot = `${site.origin}${site.pathname.replace(/\/+$/, '')}/wp-json/wc/v3`;
  const pageSize = Math.min(100, Math.max(1, options.pageSize ?? 100));
  const http = createPlatformHttp({ ...options.http });
  let identity: Promise<StoreIdentity> | undefined;

  async function call<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    query: Record<string, string | number> = {},
    body?: unknown,
    signal?: AbortSignal,
  ) {
    const url = new URL(`${apiRoot}${path}`);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, String(value));
    const auth = authenticate(method, url, options);
    return http.json<T>(auth.url, {
      method,
      headers: { ...auth.headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      ...(signal === undefined ? {} : { signal }),
    });
  }

  async function readIdentity(signal?: AbortSignal): Promise<StoreIdentity> {
    const { body } = await call<WooSystemStatus>('GET', '/system_status', {}, undefined, signal);
    if (typeof body !== 'object' || body === null) throw invalid('/system_status did not answer an object');
    const home = body.environment?.home_url ?? body.environment?.site_url ?? site.origin;
    const currency = body.settings?.currency;
    return {
      storefrontUrl: home,
      name: null,
      currency: typeof currency === 'string' && /^[A-Z]{3}$/.test(currency) ? currency : null,
    };
  }

  function storeIdentity(signal?: AbortSignal): Promise<StoreIdentity> {
    identity ??= readIdentity(signal).catch((err: unknown) => {
      identity = undefined;
      throw err;
    });
    return identity;
  }

  async function variationsOf(productId: number, signal?: AbortSignal): Promise<WooVariation[]> {
    const all: WooVariation[] = [];
    for (let page = 1; ; page++) {
      const { body, headers } = await call<WooVariation[]>(
        'GET',
        `/products/${productId}/variations`,
        { per_page: 100, page },
        undefined,
        signal,
      );
      if (!Array.isArray(body)) throw invalid(`/products/${productId}/variations did not answer a list`);
      all.push(...body);
      if (body.length === 0 || !hasNextPage(headers, page)) return all;
    }
  }

  async function* fetchProducts({ mode, since, cursor, signal }: FetchOptions): AsyncGenerator<ProductPage> {
    const { currency, storefrontUrl } = await storeIdentity(signal);
    const incremental = mode === 'incremental' && since !== null;
    let page = cursor === null ? 1 : Number.parseInt(cursor, 10);
    if (!Number.isSafeInteger(page) || page < 1)
      throw invalid(`"${cursor}" is not a WooCommerce page cursor`);
    for (;;) {
      const { body, headers } = await call<WooProduct[]>(
        'GET',
        '/products',
        {
          per_page: pageSize,
          page,
          status: 'any',
          ...(incremental
            ? {
                orderby: 'modified',
                order: 'asc',
                modified_after: since.toISOString(),
                dates_are_gmt: 'true',
              }
            : { orderby: 'id', order: 'asc' }),
        },
        undefined,
        signal,
      );
      if (!Array.isArray(body)) throw invalid('/products did not answer a list');
      const products: SourceProduct[] = [];
      const rejected: RejectedSourceProduct[] = [];
      const deleted: SourceDeletion[] = [];
      const variations = await mapLimited(body, VARIATION_CONCURRENCY, (product) =>
        product.type === 'variable' && isListed(product) && typeof product.id === 'number'
          ? variationsOf(product.id, signal)
          : Promise.resolve([]),
      );
      body.forEach((product, index) => {
        if (!isListed(product)) {
          if (product.id !== undefined) deleted.push({ externalId: String(product.id) });
          return;
        }
        const result = fromWooProduct(product, variations[index] ?? [], currency, storefrontUrl ?? undefined);
        if (result.ok) products.push(result.product);
        else rejected.push(result.rejected);
      });
      const more = body.length > 0 && hasNextPage(headers, page);
      yield { products, rejected, deleted, cursor: more ? String(page + 1) : null, total: totalOf(headers) };
      if (!more) return;
      page++;
    }
  }

  async function registerWebhooks(deliveryUrl: string, secret: string): Promise<void> {
    const { body: existing } = await call<WooWebhook[]>('GET', '/webhooks', { per_page: 100 });
    if (!Array.isArray(existing)) throw invalid('/webhooks did not answer a list');
    for (const topic of WOOCOMMERCE_WEBHOOK_TOPICS) {
      const webhook = { name: `NLyzer ${topic}`, topic, delivery_url: deliveryUrl, secret, status: 'active' };
      const same = existing.find((hook) => hook.topic === topic && hook.delivery_url === deliveryUrl);
      // Re-registering (a reconnect) updates the secret instead of adding a second subscription.
      if (same?.id !== undefined) await call('PUT', `/webhooks/${same.id}`, {}, webhook);
      else await call('POST', '/webhooks', {}, webhook);
    }
  }

  return {
    platform: 'woocommerce',
    verify: (signal) => {
      identity = undefined;
      return storeIdentity(signal);
    },
    fetchProducts,
    registerWebhooks,
    close: () => http.close(),
  };
}

/** Whether WooCommerce says a page follows: a `Link: <…>; rel="next"`, else `X-WP-TotalPages`. */
export function hasNextPage(headers: Record<string, string | string[] | undefined>, page: number): boolean {
  const link = header(headers, 'link');
  if (link !== undefined && /rel="?next"?/.test(link)) return true;
  const totalPages = Number.parseInt(header(headers, 'x-wp-totalpages') ?? '', 10);
  return Number.isSafeInteger(totalPages) && page < totalPages;
}

function totalOf(headers: Record<string, string | string[] | undefined>): number | null {
  const total = Number.parseInt(header(headers, 'x-wp-total') ?? '', 10);
  return Number.isSafeInteger(total) && total >= 0 ? total : null;
}

function invalid(message: string): ConnectorError {
  return new ConnectorError('invalid_platform_response', `WooCommerce: ${message}`);
}

async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
