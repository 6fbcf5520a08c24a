// Installs the app on a local Shopify-shaped server the way a merchant's browser would:
// the install route, Shopify's authorize page (auto-approved), its redirect to our callback.

import type { ShopifyTestServer } from '@nlyzer/connectors/testing';
import type { ConnectionView } from '@nlyzer/contracts';
import type { TestSyncWorker } from './sync-harness.ts';

/** Shopify-side env for a sync worker talking to `server`. */
export function shopifyEnv(server: ShopifyTestServer): Record<string, string> {
  return {
    PUBLIC_URL: 'https://nlyzer.test',
    SHOPIFY_API_KEY: server.apiKey,
    SHOPIFY_API_SECRET: server.apiSecret,
    SHOPIFY_ADMIN_ORIGIN: server.origin,
  };
}

/** The callback path and query Shopify redirects the browser to after approval. */
export async function approveInstall(worker: TestSyncWorker, storeId: string, shop: string): Promise<string> {
  const install = await worker.app.inject({
    method: 'POST',
    url: '/v1/connection/shopify/install',
    headers: await worker.merchant(storeId, 'admin'),
    payload: { shop },
  });
  if (install.statusCode !== 200) throw new Error(`install answered ${install.statusCode}: ${install.body}`);
  const authorize = await fetch(install.json<{ authorize_url: string }>().authorize_url, {
    redirect: 'manual',
  });
  const location = authorize.headers.get('location');
  if (authorize.status !== 302 || location === null)
    throw new Error(`authorize answered ${authorize.status}`);
  const callback = new URL(location);
  return `${callback.pathname}${callback.search}`;
}

/** The whole install; returns the connection and the onboarding run it queued. */
export async function installShopify(
  worker: TestSyncWorker,
  storeId: string,
  server: ShopifyTestServer,
): Promise<{ connection: ConnectionView; runId: string }> {
  const callback = await approveInstall(worker, storeId, server.shop);
  const answer = await worker.app.inject({
    method: 'GET',
    url: callback,
    headers: { accept: 'application/json' },
  });
  if (answer.statusCode !== 200) throw new Error(`callback answered ${answer.statusCode}: ${answer.body}`);
  const onboarding = await worker.catalog.withStore(storeId, (trx) =>
    trx
      .selectFrom('catalog.onboarding')
      .select('initial_run_id')
      .where('store_id', '=', storeId)
      .executeTakeFirstOrThrow(),
  );
  if (onboarding.initial_run_id === null) throw new Error('the install queued no run');
  return { connection: answer.json<ConnectionView>(), runId: onboarding.initial_run_id };
}
