import { createHmac, randomBytes } from 'node:crypto';

export interface WooCredentials {
  consumerKey: string;
  consumerSecret: string;
}

/**
 * How a request to the WooCommerce REST API is authenticated, as WooCommerce documents it:
 * over HTTPS the key pair is sent as HTTP Basic credentials; over plain HTTP WooCommerce
 * refuses Basic and query-string keys (they would travel in clear) and wants one-legged
 * OAuth 1.0a, where only an HMAC signature of the request travels, never the secret.
 * Returns the URL to request (OAuth parameters go in its query) and the headers to add.
 */
export function authenticate(
  method: string,
  url: URL,
  credentials: WooCredentials,
  now: Date = new Date(),
): { url: URL; headers: Record<string, string> } {
  if (url.protocol === 'https:') {
    const basic = Buffer.from(`${credentials.consumerKey}:${credentials.consumerSecret}`).toString('base64');
    return { url, headers: { authorization: `Basic ${basic}` } };
  }
  const signed = new URL(url);
  const oauth: Record<string, string> = {
    oauth_consumer_key: credentials.consumerKey,
    oauth_nonce: randomBytes(16).toString('hex'),
    oauth_signature_method: 'HMAC-SHA256',
    oauth_timestamp: String(Math.floor(now.getTime() / 1000)),
  };
  for (const [name, value] of Object.entries(oauth)) signed.searchParams.set(name, value);
  signed.searchParams.set('oauth_signature', oauthSignature(method, signed, credentials.consumerSecret));
  return { url: signed, headers: {} };
}

/**
 * The OAuth 1.0a signature WooCommerce checks (`WC_REST_Authentication::check_oauth_signature`):
 * HMAC over `METHOD&enc(base URL)&enc(sorted, encoded params)`, keyed with `secret&`.
 */
export function oauthSignature(method: string, url: URL, consumerSecret: string): string {
  const params = [...url.searchParams.entries()]
    .filter(([name]) => name !== 'oauth_signature')
    .map(([name, value]) => [rfc3986(name), rfc3986(value)] as const)
    .sort(([a, av], [b, bv]) => (a === b ? compare(av, bv) : compare(a, b)))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const base = `${url.origin}${url.pathname}`;
  const text = `${method.toUpperCase()}&${rfc3986(base)}&${rfc3986(params)}`;
  return createHmac('sha256', `${consumerSecret}&`).update(text).digest('base64');
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Percent-encoding as RFC 3986 (and OAuth 1.0a) wants it: encodeURIComponent plus !'()*. */
function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}
