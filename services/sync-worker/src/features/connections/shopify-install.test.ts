import { createHmac, randomUUID } from 'node:crypto';
import { type ShopifyTestServer, startShopifyTestServer } from '@nlyzer/connectors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approveInstall, installShopify, shopifyEnv } from '../../../test/shopify-install-flow.ts';
import { SETUP_TIMEOUT_MS, startTestSyncWorker, type TestSyncWorker } from '../../../test/sync-harness.ts';

describe('Shopify install', () => {
  let shopify: ShopifyTestServer;
  let worker: TestSyncWorker;
  // A shop connects to one store at a time; reinstalling into the same store is fine.
  const storeId = randomUUID();

  beforeAll(async () => {
    shopify = await startShopifyTestServer({ products: 3 });
    worker = await startTestSyncWorker({ env: shopifyEnv(shopify) });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await worker?.close();
    await shopify?.close();
  });

  const callback = (path: string, accept = 'application/json') =>
    worker.app.inject({ method: 'GET', url: path, headers: { accept } });

  it('connects, seals the token, registers webhooks and queues the full onboarding import', async () => {
    const { connection, runId } = await installShopify(worker, storeId, shopify);
    expect(connection).toMatchObject({
      platform: 'shopify',
      state: 'connected',
      source: shopify.shop,
      storefront_url: shopify.storefrontUrl,
      webhooks: 'registered',
      sync_enabled: true,
    });
    expect(JSON.stringify(connection)).not.toContain(shopify.accessToken);
    const row = await worker.catalog.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.connections').select(['credentials', 'currency']).executeTakeFirstOrThrow(),
    );
    expect(Buffer.from(row.credentials!).toString('latin1')).not.toContain(shopify.accessToken);
    expect(row.currency).toBe(shopify.currency);
    expect(shopify.webhookSubscriptions.map((s) => s.callbackUrl)).toContain(
      'https://nlyzer.test/v1/webhooks/shopify',
    );

    const run = await worker.app.inject({
      method: 'GET',
      url: `/v1/sync/runs/${runId}`,
      headers: await worker.merchant(storeId, 'analyst'),
    });
    expect(run.json()).toMatchObject({ id: runId, trigger: 'onboarding', mode: 'full' });

    const view = await worker.app.inject({
      method: 'GET',
      url: '/v1/connection',
      headers: await worker.merchant(storeId, 'analyst'),
    });
    expect(view.json()).toEqual(connection);
  });

  it('sends the browser to the dashboard', async () => {
    const path = await approveInstall(worker, storeId, shopify.shop);
    const answer = await callback(path, 'text/html');
    expect(answer.statusCode).toBe(302);
    expect(answer.headers.location).toBe('https://nlyzer.test/dashboard?onboarding=connected');
  });

  it('refuses a callback whose HMAC does not match', async () => {
    const path = await approveInstall(worker, storeId, shopify.shop);
    const answer = await callback(path.replace(/hmac=[0-9a-f]+/, `hmac=${'0'.repeat(64)}`));
    expect(answer.statusCode).toBe(401);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.json()).toMatchObject({ code: 'invalid_signature' });
    // The forged call did not burn the state: the genuine one still goes through.
    expect((await callback(path)).statusCode).toBe(200);
  });

  it('takes a state once', async () => {
    const path = await approveInstall(worker, storeId, shopify.shop);
    expect((await callback(path)).statusCode).toBe(200);
    const replay = await callback(path);
    expect(replay.statusCode).toBe(400);
    expect(replay.json()).toMatchObject({ code: 'bad_request' });
  });

  it('refuses an expired state', async () => {
    const storeId = randomUUID();
    const path = await approveInstall(worker, storeId, shopify.shop);
    await worker.catalog.withStore(storeId, (trx) =>
      trx
        .updateTable('catalog.oauth_states')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .execute(),
    );
    const answer = await callback(path);
    expect(answer.statusCode).toBe(400);
    expect(answer.json().detail).toMatch(/expired or was already used/);
  });

  it('refuses a state issued for another shop, and a callback naming no myshopify.com shop', async () => {
    const path = await approveInstall(worker, randomUUID(), 'another-shop.myshopify.com');
    const query = Object.fromEntries(new URL(path, 'https://x').searchParams);
    expect(query.shop).toBe(shopify.shop);
    const answer = await callback(path);
    expect(answer.statusCode).toBe(400);
    expect(answer.json().detail).toMatch(/another shop/);

    const forged = signed({ ...query, shop: 'evil.example.com' }, shopify.apiSecret);
    const evil = await callback(`/v1/connection/shopify/callback?${forged}`);
    // Shopify never signs another host: the callback's verification refuses it outright.
    expect(evil.statusCode).toBe(401);
  });

  it('refuses to connect a shop another store has connected', async () => {
    const path = await approveInstall(worker, randomUUID(), shopify.shop);
    const answer = await callback(path);
    expect(answer.statusCode).toBe(409);
    expect(answer.json()).toMatchObject({ code: 'conflict' });
  });

  it('refuses a state that does not exist', async () => {
    const query = {
      code: 'abc',
      shop: shopify.shop,
      state: 'never-issued',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    const answer = await callback(`/v1/connection/shopify/callback?${signed(query, shopify.apiSecret)}`);
    expect(answer.statusCode).toBe(400);
  });

  it('lets only owners and admins start an install', async () => {
    const storeId = randomUUID();
    const answer = await worker.app.inject({
      method: 'POST',
      url: '/v1/connection/shopify/install',
      headers: await worker.merchant(storeId, 'analyst'),
      payload: { shop: shopify.shop },
    });
    expect(answer.statusCode).toBe(403);
    const anonymous = await worker.app.inject({
      method: 'POST',
      url: '/v1/connection/shopify/install',
      payload: { shop: shopify.shop },
    });
    expect(anonymous.statusCode).toBe(401);
  });

  it('refuses a shop that is not a myshopify.com domain', async () => {
    const answer = await worker.app.inject({
      method: 'POST',
      url: '/v1/connection/shopify/install',
      headers: await worker.merchant(randomUUID()),
      payload: { shop: 'shop.example.com' },
    });
    expect(answer.statusCode).toBe(400);
  });
});

describe('Shopify install without a configured app', () => {
  let worker: TestSyncWorker;
  beforeAll(async () => {
    worker = await startTestSyncWorker();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => worker?.close());

  it('answers 422 naming the missing configuration', async () => {
    const answer = await worker.app.inject({
      method: 'POST',
      url: '/v1/connection/shopify/install',
      headers: await worker.merchant(randomUUID()),
      payload: { shop: 'nlyzer-test.myshopify.com' },
    });
    expect(answer.statusCode).toBe(422);
    expect(answer.json().detail).toMatch(/SHOPIFY_API_KEY/);
  });
});

/** A query string signed the way Shopify signs its redirects. */
function signed(query: Record<string, string>, secret: string): string {
  const { hmac: _ignored, ...rest } = query;
  const message = Object.keys(rest)
    .sort()
    .map((key) => `${key}=${rest[key]}`)
    .join('&');
  const params = new URLSearchParams(rest);
  params.set('hmac', createHmac('sha256', secret).update(message).digest('hex'));
  return params.toString();
}
