import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  SETUP_TIMEOUT_MS,
  type SignedUp,
  signUp,
  startTestGateway,
  type TestGateway,
} from '../../../test/harness.ts';
import { storefrontOrigin } from './onboarding-widget-key.ts';

describe('storefront origins', () => {
  it.each([
    ['https://Shop.Example/products?page=2', 'https://shop.example'],
    ['https://acme.myshopify.com', 'https://acme.myshopify.com'],
    ['https://shop.example:8443/feed.xml', 'https://shop.example:8443'],
    ['http://127.0.0.1:4010/', 'http://127.0.0.1:4010'],
    ['http://localhost:3000/shop', 'http://localhost:3000'],
  ])('binds %s to %s', (url, origin) => {
    expect(storefrontOrigin(url)).toBe(origin);
  });

  it.each([['http://shop.example'], ['ftp://shop.example'], ['not a url']])(
    'finds no origin a widget could run on in %s',
    (url) => {
      expect(storefrontOrigin(url)).toBeUndefined();
    },
  );
});

describe('onboarding.catalog_indexed: the widget key of the snippet step', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const catalogIndexed = (store: SignedUp, storefrontUrl: string | null) =>
    gateway.publishAsSyncWorker(store.storeId, 'onboarding.catalog_indexed', {
      store_id: store.storeId,
      platform: 'shopify',
      storefront_url: storefrontUrl,
      products_indexed: 120,
      products_failed: 2,
    });
  const keysOf = (store: SignedUp) =>
    gateway.core.withStore(store.storeId, (trx) =>
      trx.selectFrom('core.widget_keys').selectAll().orderBy('created_at').execute(),
    );
  const auditOf = (store: SignedUp) =>
    gateway.core.withStore(store.storeId, (trx) =>
      trx.selectFrom('core.audit_log').selectAll().where('action', '=', 'widget_key.created').execute(),
    );

  it('issues one key bound to the storefront, as the platform, with its snippet and event', async () => {
    const store = await signUp(gateway);
    await catalogIndexed(store, 'https://Acme-Outfitters.myshopify.com/collections/all');

    const [key, ...others] = await keysOf(store);
    expect(others).toEqual([]);
    expect(key).toMatchObject({
      allowed_origins: ['https://acme-outfitters.myshopify.com'],
      created_by_user_id: store.userId,
      revoked_at: null,
    });
    const [audit] = await auditOf(store);
    expect(audit).toMatchObject({ actor_user_id: null, actor_api_key_id: null, ip: null, target: key!.id });

    const event = await gateway.waitForEvent('widget_key.created', (e) => e.payload.key_id === key!.id);
    expect(event.payload).toEqual({
      store_id: store.storeId,
      key_id: key!.id,
      prefix: key!.prefix,
      allowed_origins: ['https://acme-outfitters.myshopify.com'],
      by_user_id: store.userId,
    });

    // The merchant sees the snippet, and the key in it works on the storefront.
    const snippet = await gateway.app.inject({
      method: 'GET',
      url: `/v1/widget-keys/${key!.id}/snippet`,
      headers: bearer(store.token),
    });
    expect(snippet.statusCode).toBe(200);
    const widgetKey = /data-store-key="([^"]+)"/.exec(snippet.json().snippet)![1]!;
    const minted = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget/token',
      headers: { 'x-widget-key': widgetKey, origin: 'https://acme-outfitters.myshopify.com' },
    });
    expect(minted.statusCode, minted.body).toBe(200);
  });

  it('issues no second key when the event comes again', async () => {
    const store = await signUp(gateway);
    await catalogIndexed(store, 'https://shop.example');
    await catalogIndexed(store, 'https://shop.example');
    await catalogIndexed(store, 'https://other.example');
    expect((await keysOf(store)).map((key) => key.allowed_origins)).toEqual([['https://shop.example']]);
    expect(await auditOf(store)).toHaveLength(1);
  });

  it("keeps the merchant's own key, and issues one when every key is revoked", async () => {
    const store = await signUp(gateway);
    const own = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget-keys',
      headers: bearer(store.token),
      payload: { allowed_origins: ['https://mine.example'] },
    });
    await catalogIndexed(store, 'https://shop.example');
    expect((await keysOf(store)).map((key) => key.id)).toEqual([own.json().widget_key.id]);

    await gateway.app.inject({
      method: 'DELETE',
      url: `/v1/widget-keys/${own.json().widget_key.id}`,
      headers: bearer(store.token),
    });
    await catalogIndexed(store, 'https://shop.example');
    const keys = await keysOf(store);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toMatchObject({ allowed_origins: ['https://shop.example'], revoked_at: null });
  });

  it('leaves the key to the merchant when there is no storefront a widget could run on', async () => {
    const store = await signUp(gateway);
    await catalogIndexed(store, null);
    await catalogIndexed(store, 'http://shop.example');
    expect(await keysOf(store)).toEqual([]);
  });

  it('binds a local storefront for development', async () => {
    const store = await signUp(gateway);
    await catalogIndexed(store, 'http://127.0.0.1:4010/');
    expect((await keysOf(store)).map((key) => key.allowed_origins)).toEqual([['http://127.0.0.1:4010']]);
  });
});
