import { createHash, randomBytes } from 'node:crypto';
import { exchangeShopifyCode, shopifyAuthorizeUrl, verifyShopifyOAuthCallback } from '@nlyzer/connectors';
import { SHOPIFY_SHOP_DOMAIN, type ShopifyInstallResponse } from '@nlyzer/contracts';
import { AppError } from '@nlyzer/service-kit';
import { sql } from 'kysely';
import type { SyncWorkerConfig } from '../../config.ts';
import { type ConnectDeps, connectorRefusal, establishConnection, recordWebhooks } from './connect-store.ts';
import type { ConnectionRow } from './connection-store.ts';
import { sealCredentials } from './connector-factory.ts';

/** How long the merchant has to approve the install on Shopify. */
export const INSTALL_STATE_TTL_MS = 10 * 60_000;
const SHOP_DOMAIN = new RegExp(SHOPIFY_SHOP_DOMAIN);

export const SHOPIFY_CALLBACK_PATH = '/v1/connection/shopify/callback';
export const SHOPIFY_WEBHOOK_PATH = '/v1/webhooks/shopify';

export function shopifyApp(config: SyncWorkerConfig): { apiKey: string; apiSecret: string } {
  if (config.SHOPIFY_API_KEY === undefined || config.SHOPIFY_API_SECRET === undefined) {
    throw new AppError(
      'unprocessable',
      'Shopify installs are not available: the platform has no Shopify app configured (SHOPIFY_API_KEY, SHOPIFY_API_SECRET)',
    );
  }
  return { apiKey: config.SHOPIFY_API_KEY, apiSecret: config.SHOPIFY_API_SECRET };
}

const hashState = (state: string) => createHash('sha256').update(state).digest('hex');

/** Step one: a single-use state nonce (only its hash is kept) and the URL the merchant approves the app at. */
export async function startShopifyInstall(
  deps: ConnectDeps,
  storeId: string,
  shop: string,
): Promise<ShopifyInstallResponse> {
  const { config, db } = deps.context;
  const { apiKey } = shopifyApp(config);
  const shopDomain = shop.toLowerCase();
  const state = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + INSTALL_STATE_TTL_MS);
  await db.withStore(storeId, (trx) =>
    trx
      .insertInto('catalog.oauth_states')
      .values({ state_hash: hashState(state), store_id: storeId, shop: shopDomain, expires_at: expiresAt })
      .execute(),
  );
  const authorizeUrl = shopifyAuthorizeUrl({
    shop: shopDomain,
    apiKey,
    scopes: config.SHOPIFY_SCOPES.split(',').map((scope) => scope.trim()),
    redirectUri: new URL(SHOPIFY_CALLBACK_PATH, config.PUBLIC_URL).toString(),
    state,
    ...(config.SHOPIFY_ADMIN_ORIGIN === undefined ? {} : { adminOrigin: config.SHOPIFY_ADMIN_ORIGIN }),
  });
  return { authorize_url: authorizeUrl, expires_at: expiresAt.toISOString() };
}

/**
 * Step two, Shopify's redirect back: the HMAC first (so a forged request cannot burn a
 * state), the shop domain, then the state (once, unexpired, issued for this shop), and
 * only then the code exchange. The token is sealed, the first import queued, the webhooks
 * registered.
 */
export async function completeShopifyInstall(
  deps: ConnectDeps,
  rawQuery: Record<string, unknown>,
): Promise<{ storeId: string; connection: ConnectionRow }> {
  const { config, db } = deps.context;
  const { apiKey, apiSecret } = shopifyApp(config);
  const query = stringQuery(rawQuery);
  if (!verifyShopifyOAuthCallback(query, apiSecret)) {
    throw new AppError('invalid_signature', 'The install callback is not signed by Shopify');
  }
  const { shop, code, state } = query;
  if (shop === undefined || !SHOP_DOMAIN.test(shop)) {
    throw new AppError('bad_request', 'The callback does not name a myshopify.com shop');
  }
  if (code === undefined || state === undefined) {
    throw new AppError('bad_request', 'The callback carries no authorization code or state');
  }
  const shopDomain = shop.toLowerCase();
  const taken = await db.transaction(async (trx) => {
    const { rows } = await sql<{ store_id: string; shop: string }>`
      select store_id, shop from catalog.take_oauth_state(${hashState(state)})
    `.execute(trx);
    return rows[0];
  });
  if (taken === undefined) {
    throw new AppError(
      'bad_request',
      'The install link expired or was already used: start the install again',
    );
  }
  if (taken.shop !== shopDomain) {
    throw new AppError('bad_request', 'The install was started for another shop');
  }
  const storeId = taken.store_id;
  const { connectors } = deps;
  const grant = await exchangeShopifyCode({
    shop: shopDomain,
    code,
    apiKey,
    apiSecret,
    ...(config.SHOPIFY_ADMIN_ORIGIN === undefined ? {} : { adminOrigin: config.SHOPIFY_ADMIN_ORIGIN }),
    http: connectors.http,
  }).catch((err: unknown) => connectorRefusal(err, 'Shopify refused the install'));
  const connector = connectors.shopify(shopDomain, grant.accessToken);
  try {
    const identity = await connector
      .verify()
      .catch((err: unknown) => connectorRefusal(err, 'Shopify refused the new token'));
    await establishConnection(deps, storeId, {
      platform: 'shopify',
      source: shopDomain,
      storefrontUrl: identity.storefrontUrl ?? `https://${shopDomain}`,
      currency: identity.currency,
      feedFormat: null,
      credentials: sealCredentials(connectors.sealer, storeId, {
        platform: 'shopify',
        access_token: grant.accessToken,
        scopes: grant.scopes,
      }),
      webhookSecret: null,
      webhooks: 'none',
      syncEnabled: true,
    });
    const callbackUrl = new URL(SHOPIFY_WEBHOOK_PATH, config.PUBLIC_URL).toString();
    const connection = await recordWebhooks(deps, storeId, () => connector.registerWebhooks(callbackUrl));
    return { storeId, connection };
  } finally {
    await connector.close();
  }
}

/** Shopify signs the query as sent: a repeated parameter is not something it sends. */
function stringQuery(raw: Record<string, unknown>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (typeof value !== 'string')
      throw new AppError('bad_request', `The callback parameter ${name} is repeated`);
    query[name] = value;
  }
  return query;
}
