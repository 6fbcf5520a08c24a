import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isConnectorError } from '../connector-error.ts';
import { type ShopifyTestServer, startShopifyTestServer } from '../testing/index.ts';
import {
  exchangeShopifyCode,
  isShopifyShopDomain,
  shopifyAuthorizeUrl,
  signShopifyQuery,
  verifyShopifyOAuthCallback,
} from './shopify-oauth.ts';

let server: ShopifyTestServer;
beforeAll(async () => {
  server = await startShopifyTestServer();
});
afterAll(() => server.close());

const http = { allowPrivateNetworks: true };

/** Follows the authorize URL as a merchant's browser would, up to the app's callback. */
async function install(state: string): Promise<Record<string, string>> {
  const url = shopifyAuthorizeUrl({
    shop: server.shop,
    apiKey: server.apiKey,
    scopes: ['read_products'],
    redirectUri: 'https://app.nlyzer.test/v1/shopify/callback',
    state,
    adminOrigin: server.origin,
  });
  const response = await fetch(url, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const callback = new URL(response.headers.get('location') ?? '');
  expect(callback.origin + callback.pathname).toBe('https://app.nlyzer.test/v1/shopify/callback');
  return Object.fromEntries(callback.searchParams);
}

describe('Shopify OAuth install', () => {
  it('builds the authorize URL on the shop, or on the test origin naming the shop', () => {
    const direct = new URL(
      shopifyAuthorizeUrl({
        shop: 'acme.myshopify.com',
        apiKey: 'key',
        scopes: ['read_products', 'write_script_tags'],
        redirectUri: 'https://api.nlyzer.test/cb',
        state: 'nonce-1',
      }),
    );
    expect(direct.origin).toBe('https://acme.myshopify.com');
    expect(direct.pathname).toBe('/admin/oauth/authorize');
    expect(Object.fromEntries(direct.searchParams)).toEqual({
      client_id: 'key',
      scope: 'read_products,write_script_tags',
      redirect_uri: 'https://api.nlyzer.test/cb',
      state: 'nonce-1',
    });
    const viaTest = new URL(
      shopifyAuthorizeUrl({
        shop: 'acme.myshopify.com',
        apiKey: 'k',
        scopes: 'read_products',
        redirectUri: 'https://x.test/cb',
        state: 's',
        adminOrigin: 'http://127.0.0.1:9/',
      }),
    );
    expect(viaTest.origin).toBe('http://127.0.0.1:9');
    expect(viaTest.searchParams.get('shop')).toBe('acme.myshopify.com');
  });

  it('accepts only myshopify.com shop domains', () => {
    expect(isShopifyShopDomain('acme-store.myshopify.com')).toBe(true);
    for (const shop of [
      'acme.myshopify.com.evil.test',
      'evil.test',
      '-acme.myshopify.com',
      'acme.myshopify.com/x',
      '',
    ]) {
      expect(isShopifyShopDomain(shop)).toBe(false);
    }
    expect(() =>
      shopifyAuthorizeUrl({
        shop: 'evil.test',
        apiKey: 'k',
        scopes: 'x',
        redirectUri: 'https://x.test',
        state: 's',
      }),
    ).toThrow(RangeError);
  });

  it('verifies the callback the shop signed and refuses tampered, stale or foreign ones', async () => {
    const query = await install('state-123');
    expect(query.state).toBe('state-123');
    expect(verifyShopifyOAuthCallback(query, server.apiSecret)).toBe(true);
    expect(verifyShopifyOAuthCallback(query, 'another-secret')).toBe(false);
    expect(verifyShopifyOAuthCallback({ ...query, state: 'state-999' }, server.apiSecret)).toBe(false);
    expect(verifyShopifyOAuthCallback({ ...query, shop: 'other.myshopify.com' }, server.apiSecret)).toBe(
      false,
    );
    const { hmac: _, ...unsigned } = query;
    expect(verifyShopifyOAuthCallback(unsigned, server.apiSecret)).toBe(false);
    const later = new Date(Number(query.timestamp) * 1000 + 24 * 3600 * 1000 + 1000);
    expect(verifyShopifyOAuthCallback(query, server.apiSecret, later)).toBe(false);
    const almostLater = new Date(Number(query.timestamp) * 1000 + 23 * 3600 * 1000);
    expect(verifyShopifyOAuthCallback(query, server.apiSecret, almostLater)).toBe(true);
  });

  it('refuses a callback whose domain is not a shop even when signed', () => {
    const query = {
      code: 'c',
      shop: 'evil.test',
      state: 's',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    expect(verifyShopifyOAuthCallback({ ...query, hmac: signShopifyQuery(query, 'secret') }, 'secret')).toBe(
      false,
    );
  });

  it('signs with Shopify escaping, so values holding & and = cannot shift the message', () => {
    const a = signShopifyQuery({ a: '1&b=2' }, 's');
    const b = signShopifyQuery({ a: '1', b: '2' }, 's');
    expect(a).not.toBe(b);
  });

  it('exchanges the code once for the access token', async () => {
    const query = await install('state-x');
    const token = await exchangeShopifyCode({
      shop: server.shop,
      code: query.code as string,
      apiKey: server.apiKey,
      apiSecret: server.apiSecret,
      adminOrigin: server.origin,
      http,
    });
    expect(token).toEqual({ accessToken: server.accessToken, scopes: ['read_products'] });
    const again = exchangeShopifyCode({
      shop: server.shop,
      code: query.code as string,
      apiKey: server.apiKey,
      apiSecret: server.apiSecret,
      adminOrigin: server.origin,
      http,
    });
    await expect(again).rejects.toSatisfy(
      (err) => isConnectorError(err) && err.code === 'platform_auth_failed',
    );
  });

  it('refuses to exchange against a loopback shop unless private networks are allowed', async () => {
    const attempt = exchangeShopifyCode({
      shop: server.shop,
      code: 'x',
      apiKey: server.apiKey,
      apiSecret: server.apiSecret,
      adminOrigin: server.origin,
    });
    await expect(attempt).rejects.toSatisfy(
      (err) => isConnectorError(err) && err.code === 'platform_unavailable' && /not public/.test(err.message),
    );
  });
});
