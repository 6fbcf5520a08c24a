import { randomUUID } from 'node:crypto';
import {
  makeTestCatalog,
  type ShopifyTestServer,
  startShopifyTestServer,
  startWooCommerceTestServer,
  type WooCommerceTestServer,
} from '@nlyzer/connectors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installShopify, shopifyEnv } from '../../../test/shopify-install-flow.ts';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSyncWorker,
  type TestSyncWorker,
} from '../../../test/sync-harness.ts';

describe('webhooks', () => {
  let shopify: ShopifyTestServer;
  let woo: WooCommerceTestServer;
  let worker: TestSyncWorker;
  let listening: string;
  const shopifyStore = randomUUID();
  const wooStore = randomUUID();

  beforeAll(async () => {
    shopify = await startShopifyTestServer({ products: 2 });
    woo = await startWooCommerceTestServer({
      products: makeTestCatalog(2),
      consumerKey: 'ck_0123456789abcdef',
      consumerSecret: 'cs_0123456789abcdef',
    });
    worker = await startTestSyncWorker({ env: shopifyEnv(shopify) });
    // The WooCommerce test server posts its deliveries over HTTP.
    listening = await worker.app.listen({ port: 0, host: '127.0.0.1' });
    const { runId } = await installShopify(worker, shopifyStore, shopify);
    await worker.reportRunIndexed(shopifyStore, runId);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await worker?.close();
    await shopify?.close();
    await woo?.close();
  });

  const postShopify = (delivery: { rawBody: Buffer; headers: Record<string, string> }) =>
    worker.app.inject({
      method: 'POST',
      url: '/v1/webhooks/shopify',
      headers: delivery.headers,
      payload: delivery.rawBody,
    });
  const deliveriesOf = (storeId: string) =>
    worker.catalog.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.webhook_deliveries').selectAll().execute(),
    );
  const productChanges = async (externalId: string) =>
    (await worker.eventsOf('catalog.products_changed')).filter(
      (e) => e.payload.run_id === null && e.payload.upserted.some((p) => p.external_id === externalId),
    );

  it('applies a signed Shopify product update once, however often it is delivered', async () => {
    const [product] = shopify.products();
    shopify.upsertProduct({ id: product!.id, title: 'Renamed by webhook' });
    const delivery = shopify.signWebhook('products/update', product!.id);
    const first = await postShopify(delivery);
    expect(first.statusCode).toBe(200);
    expect(first.json()).toEqual({ status: 'applied' });
    const replay = await postShopify(delivery);
    expect(replay.json()).toEqual({ status: 'duplicate' });

    const stored = await worker.catalog.withStore(shopifyStore, (trx) =>
      trx
        .selectFrom('catalog.products')
        .select(['external_id', 'title'])
        .where('title', '=', 'Renamed by webhook')
        .execute(),
    );
    expect(stored).toHaveLength(1);
    const changes = await eventually(async () => {
      const found = await productChanges(stored[0]!.external_id);
      return found.length > 0 ? found : undefined;
    }, 'the change event');
    expect(changes).toHaveLength(1);
    expect(changes[0]!.payload.upserted[0]!.price?.currency).toBe(shopify.currency);
  });

  it('refuses a bad or missing Shopify signature with 401 and records nothing', async () => {
    const [product] = shopify.products();
    const before = (await deliveriesOf(shopifyStore)).length;
    for (const signature of ['invalid', 'missing'] as const) {
      const answer = await postShopify(shopify.signWebhook('products/update', product!.id, { signature }));
      expect(answer.statusCode).toBe(401);
      expect(answer.headers['content-type']).toContain('application/problem+json');
      expect(answer.json()).toMatchObject({ code: 'invalid_signature' });
    }
    expect(await deliveriesOf(shopifyStore)).toHaveLength(before);
  });

  it('answers 200 for a shop no store is connected to', async () => {
    const other = await startShopifyTestServer({
      shop: 'unknown-shop.myshopify.com',
      apiSecret: shopify.apiSecret,
      products: 1,
    });
    try {
      const [product] = other.products();
      const answer = await postShopify(other.signWebhook('products/update', product!.id));
      expect(answer.statusCode).toBe(200);
      expect(answer.json()).toEqual({ status: 'ignored' });
    } finally {
      await other.close();
    }
  });

  it('connects WooCommerce after verifying the keys, with webhooks signed by a secret of its own', async () => {
    const refused = await worker.app.inject({
      method: 'PUT',
      url: '/v1/connection',
      headers: await worker.merchant(wooStore, 'owner'),
      payload: {
        platform: 'woocommerce',
        store_url: woo.origin,
        consumer_key: 'ck_0123456789abcdef',
        consumer_secret: 'cs_wrongwrongwrong',
      },
    });
    expect(refused.statusCode).toBe(422);
    expect(
      await worker.catalog.withStore(wooStore, (trx) =>
        trx.selectFrom('catalog.connections').selectAll().execute(),
      ),
    ).toEqual([]);

    const connected = await worker.app.inject({
      method: 'PUT',
      url: '/v1/connection',
      headers: await worker.merchant(wooStore, 'owner'),
      payload: {
        platform: 'woocommerce',
        store_url: `${woo.origin}/`,
        consumer_key: 'ck_0123456789abcdef',
        consumer_secret: 'cs_0123456789abcdef',
      },
    });
    expect(connected.statusCode).toBe(202);
    expect(connected.json()).toMatchObject({
      platform: 'woocommerce',
      state: 'connected',
      source: woo.origin,
      webhooks: 'registered',
    });
    expect(connected.body).not.toContain('cs_0123456789abcdef');
    expect(woo.webhooks.map((w) => w.delivery_url)).toContain(
      `https://nlyzer.test/v1/webhooks/woocommerce/${wooStore}`,
    );
  });

  it('applies a signed WooCommerce delivery and refuses a forged one', async () => {
    const secret = woo.webhooks[0]!.secret;
    const url = `${listening}/v1/webhooks/woocommerce/${wooStore}`;
    expect((await woo.sendPing(url, woo.webhooks[0]!.id)).status).toBe(200);
    const good = await woo.sendWebhook('product.updated', 1, url, secret);
    expect(good.status).toBe(200);
    expect((await woo.sendWebhook('product.updated', 1, url, secret, 'invalid')).status).toBe(401);
    expect((await woo.sendWebhook('product.updated', 1, url, secret, 'missing')).status).toBe(401);
    expect((await deliveriesOf(wooStore)).map((d) => d.delivery_id)).toContain(good.deliveryId);
    // A store id with no WooCommerce connection learns nothing.
    const stranger = await woo.sendWebhook(
      'product.updated',
      1,
      `${listening}/v1/webhooks/woocommerce/${randomUUID()}`,
      secret,
    );
    expect(stranger.status).toBe(200);
  });

  it('disconnects the store when the app is uninstalled, and ignores its later deliveries', async () => {
    const uninstall = await postShopify(shopify.signWebhook('app/uninstalled', null));
    expect(uninstall.json()).toEqual({ status: 'applied' });
    const connection = await worker.app.inject({
      method: 'GET',
      url: '/v1/connection',
      headers: await worker.merchant(shopifyStore, 'analyst'),
    });
    expect(connection.json()).toMatchObject({ state: 'disconnected' });
    const [product] = shopify.products();
    const later = await postShopify(shopify.signWebhook('products/update', product!.id));
    expect(later.json()).toEqual({ status: 'ignored' });
  });
});
