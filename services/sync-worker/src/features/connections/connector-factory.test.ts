import { randomUUID } from 'node:crypto';
import { ConnectorError } from '@nlyzer/connectors';
import { type ShopifyTestServer, startShopifyTestServer } from '@nlyzer/connectors/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installShopify, shopifyEnv } from '../../../test/shopify-install-flow.ts';
import { SETUP_TIMEOUT_MS, startTestSyncWorker, type TestSyncWorker } from '../../../test/sync-harness.ts';
import { type ConnectorFactory, createConnectorFactory } from './connector-factory.ts';

describe('connectorFor', () => {
  let shopify: ShopifyTestServer;
  let worker: TestSyncWorker;
  let connectors: ConnectorFactory;
  const storeId = randomUUID();

  beforeAll(async () => {
    shopify = await startShopifyTestServer({ products: 1 });
    worker = await startTestSyncWorker({ env: shopifyEnv(shopify) });
    connectors = createConnectorFactory(worker.context);
    await installShopify(worker, storeId, shopify);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await worker?.close();
    await shopify?.close();
  });

  async function refusal(forStore: string): Promise<ConnectorError> {
    const err = await connectors.connectorFor(forStore).then(
      () => undefined,
      (e: unknown) => e,
    );
    if (!(err instanceof ConnectorError)) throw new Error(`expected a ConnectorError, got ${String(err)}`);
    return err;
  }

  it("builds the store's connector from its unsealed credentials", async () => {
    const connector = await connectors.connectorFor(storeId);
    try {
      expect(connector.platform).toBe('shopify');
      expect(await connector.verify()).toMatchObject({ storefrontUrl: shopify.storefrontUrl });
    } finally {
      await connector.close();
    }
  });

  it('refuses, without retry, a store with no connection or a push-only one', async () => {
    expect(await refusal(randomUUID())).toMatchObject({ code: 'platform_auth_failed', retryable: false });
    const pushOnly = randomUUID();
    await worker.app.inject({
      method: 'PUT',
      url: '/v1/connection',
      headers: await worker.merchant(pushOnly),
      payload: { platform: 'custom' },
    });
    expect((await refusal(pushOnly)).message).toMatch(/catalog API/);
  });

  it('refuses credentials that were altered at rest', async () => {
    await worker.catalog.withStore(storeId, async (trx) => {
      const row = await trx.selectFrom('catalog.connections').select('credentials').executeTakeFirstOrThrow();
      const altered = Buffer.from(row.credentials!);
      altered[altered.length - 1]! ^= 0xff;
      await trx.updateTable('catalog.connections').set({ credentials: altered }).execute();
    });
    expect((await refusal(storeId)).message).toMatch(/tampered/);
  });
});
