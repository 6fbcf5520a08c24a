import { createHmac, timingSafeEqual } from 'node:crypto';
import { SHOPIFY_SHOP_DOMAIN } from '@nlyzer/contracts';
import { ConnectorError } from '../connector-error.ts';
import { createPlatformHttp, type PlatformHttpOptions } from '../platform-http.ts';

const SHOP_DOMAIN = new RegExp(SHOPIFY_SHOP_DOMAIN);
/** Shopify signs the callback with a timestamp; an older one is a replayed link. */
const CALLBACK_MAX_AGE_MS = 24 * 60 * 60 * 1000;
/** Clock skew tolerated for a timestamp from the future. */
const CALLBACK_MAX_SKEW_MS = 5 * 60 * 1000;

export const isShopifyShopDomain = (shop: string): boolean => SHOP_DOMAIN.test(shop);

/** The origin a shop's Admin API answers on: the shop itself, or one test origin serving every shop. */
export function shopifyAdminOrigin(shop: string, adminOrigin?: string): string {
  // Programmer error, not user input: routes validate the shop against SHOPIFY_SHOP_DOMAIN first.
  if (!isShopifyShopDomain(shop)) throw new RangeError(`"${shop}" is not a myshopify.com shop domain`);
  return adminOrigin === undefined ? `https://${shop}` : adminOrigin.replace(/\/+$/, '');
}

export interface ShopifyAuthorizeUrlOptions {
  shop: string;
  apiKey: string;
  scopes: readonly string[] | string;
  redirectUri: string;
  /** The install's nonce; the callback must carry it back unchanged. */
  state: string;
  adminOrigin?: string;
}

/** Where the merchant approves the app (Shopify's authorization code grant). */
export function shopifyAuthorizeUrl(options: ShopifyAuthorizeUrlOptions): string {
  const url = new URL('/admin/oauth/authorize', shopifyAdminOrigin(options.shop, options.adminOrigin));
  // A shared test origin serves many shops, so it is told which one.
  if (options.adminOrigin !== undefined) url.searchParams.set('shop', options.shop);
  url.searchParams.set('client_id', options.apiKey);
  url.searchParams.set(
    'scope',
    typeof options.scopes === 'string' ? options.scopes : options.scopes.join(','),
  );
  url.searchParams.set('redirect_uri', options.redirectUri);
  url.searchParams.set('state', options.state);
  return url.href;
}

/** Shopify's escaping of callback parameters before signing (keys also escape `=`). */
const escapeValue = (value: string) => value.replaceAll('%', '%25').replaceAll('&', '%26');
const escapeKey = (key: string) => escapeValue(key).replaceAll('=', '%3D');

/** The hex HMAC Shopify puts in a callback's `hmac`: every other parameter, sorted, `k=v` joined by `&`. */
export function signShopifyQuery(query: Record<string, string>, apiSecret: string): string {
  const message = Object.entries(query)
    .filter(([key]) => key !== 'hmac' && key !== 'signature')
    .map(([key, value]) => `${escapeKey(key)}=${escapeValue(value)}`)
    .sort()
    .join('&');
  return createHmac('sha256', apiSecret).update(message).digest('hex');
}

/**
 * Whether an OAuth callback's query came from Shopify: a valid shop domain, a correct HMAC
 * (compared in constant time) and a timestamp under 24 hours old. The state nonce is the
 * caller's to check.
 */
export function verifyShopifyOAuthCallback(
  query: Record<string, string>,
  apiSecret: string,
  now: Date = new Date(),
): boolean {
  const { hmac, shop, timestamp } = query;
  if (hmac === undefined || shop === undefined || timestamp === undefined) return false;
  if (!isShopifyShopDomain(shop) || !/^\d{1,12}$/.test(timestamp)) return false;
  const age = now.getTime() - Number(timestamp) * 1000;
  if (age > CALLBACK_MAX_AGE_MS || age < -CALLBACK_MAX_SKEW_MS) return false;
  return hexEqual(hmac, signShopifyQuery(query, apiSecret));
}

function hexEqual(given: string, expected: string): boolean {
  if (!/^[0-9a-f]+$/i.test(given)) return false;
  const a = Buffer.from(given.toLowerCase(), 'hex');
  const b = Buffer.from(expected, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}

export interface ExchangeShopifyCodeOptions {
  shop: string;
  code: string;
  apiKey: string;
  apiSecret: string;
  adminOrigin?: string;
  http?: PlatformHttpOptions;
}

/** Trades the callback's one-time code for the shop's offline access token. */
export async function exchangeShopifyCode(
  options: ExchangeShopifyCodeOptions,
): Promise<{ accessToken: string; scopes: string[] }> {
  const origin = shopifyAdminOrigin(options.shop, options.adminOrigin);
  const http = createPlatformHttp(options.http);
  try {
    const { body } = await http
      .json<{ access_token?: unknown; scope?: unknown }>(`${origin}/admin/oauth/access_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          client_id: options.apiKey,
          client_secret: options.apiSecret,
          code: options.code,
        }),
      })
      .catch((err: unknown) => {
        // Shopify answers 400 for a used, expired or forged code: the install is refused, not broken.
        if (
          err instanceof ConnectorError &&
          err.code === 'invalid_platform_response' &&
          /HTTP 400/.test(err.message)
        ) {
          throw new ConnectorError('platform_auth_failed', err.message, { cause: err });
        }
        throw err;
      });
    if (typeof body.access_token !== 'string' || body.access_token === '' || typeof body.scope !== 'string') {
      throw new ConnectorError(
        'invalid_platform_response',
        `${options.shop} answered the code exchange without a token`,
      );
    }
    return {
      accessToken: body.access_token,
      scopes: body.scope
        .split(',')
        .map((scope) => scope.trim())
        .filter((scope) => scope !== ''),
    };
  } finally {
    await http.close();
  }
}
