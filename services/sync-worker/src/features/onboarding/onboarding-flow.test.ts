import { randomUUID } from 'node:crypto';
import { type ShopifyTestServer, startShopifyTestServer } from '@nlyzer/connectors/testing';
import type { OnboardingView } from '@nlyzer/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installShopify, shopifyEnv } from '../../../test/shopify-install-flow.ts';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSyncWorker,
  type TestSyncWorker,
} from '../../../test/sync-harness.ts';

describe('onboarding, platform to completion', () => {
  let shopify: ShopifyTestServer;
  let worker: TestSyncWorker;

  beforeAll(async () => {
    shopify = await startShopifyTestServer({ products: 4 });
    worker = await startTestSyncWorker({ env: shopifyEnv(shopify) });
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await worker?.close();
    await shopify?.close();
  });

  it('walks every stage, publishing catalog_indexed and completed exactly once', async () => {
    const storeId = randomUUID();
    const view = async () =>
      (
        await worker.app.inject({
          method: 'GET',
          url: '/v1/onboarding',
          headers: await worker.merchant(storeId, 'analyst'),
        })
      ).json<OnboardingView>();
    expect(await view()).toMatchObject({ stage: 'platform', percent: 0, run: null });

    await worker.publishAs('gateway', storeId, 'store.platform_selected', {
      store_id: storeId,
      platform: 'shopify',
      selected_by_user_id: randomUUID(),
    });
    await eventually(
      async () => ((await view()).stage === 'connect' ? true : undefined),
      'the platform step',
    );
    expect(await view()).toMatchObject({ stage: 'connect', percent: 5, platform: 'shopify' });

    const { runId } = await installShopify(worker, storeId, shopify);
    const connected = await view();
    expect(['import', 'indexing']).toContain(connected.stage);
    expect(connected.run?.id).toBe(runId);

    await worker.reportRunIndexed(storeId, runId);

    const indexed = await worker.waitForEvent('onboarding.catalog_indexed', (e) => e.store_id === storeId);
    expect(indexed.payload).toEqual({
      store_id: storeId,
      platform: 'shopify',
      storefront_url: shopify.storefrontUrl,
      products_indexed: 4,
      products_failed: 0,
    });
    expect(await view()).toMatchObject({ stage: 'snippet', percent: 95, widget_key_ready: false });
    expect((await view()).quality).toMatchObject({ products: 4, run_id: runId });

    const key = {
      store_id: storeId,
      key_id: randomUUID(),
      prefix: 'wk_live',
      allowed_origins: [shopify.storefrontUrl],
      by_user_id: randomUUID(),
    };
    await worker.publishAs('gateway', storeId, 'widget_key.created', key);
    // A second key (the merchant made another) completes nothing more.
    await worker.publishAs('gateway', storeId, 'widget_key.created', { ...key, key_id: randomUUID() });
    const completed = await worker.waitForEvent('onboarding.completed', (e) => e.store_id === storeId);
    expect(completed.payload).toMatchObject({
      store_id: storeId,
      platform: 'shopify',
      products_indexed: 4,
      products_failed: 0,
      products_without_images: 0,
    });
    const done = await view();
    expect(done).toMatchObject({ stage: 'completed', percent: 100, widget_key_ready: true });
    expect(done.duration_s).toBeGreaterThanOrEqual(0);

    // A later sync of the store leaves the finished onboarding alone.
    const later = await worker.app.inject({
      method: 'POST',
      url: '/v1/sync/runs',
      headers: await worker.merchant(storeId, 'admin'),
      payload: { mode: 'full' },
    });
    const laterRun = later.json<{ id: string }>().id;
    await worker.reportRunIndexed(storeId, laterRun);
    await eventually(
      () =>
        worker.catalog.withStore(storeId, (trx) =>
          trx
            .selectFrom('catalog.sync_runs')
            .select('id')
            .where('id', '=', laterRun)
            .where('state', '=', 'succeeded')
            .executeTakeFirst(),
        ),
      'the later run to finish',
    );
    expect(
      await worker
        .eventsOf('onboarding.catalog_indexed')
        .then((all) => all.filter((e) => e.store_id === storeId)),
    ).toHaveLength(1);
    expect(
      await worker.eventsOf('onboarding.completed').then((all) => all.filter((e) => e.store_id === storeId)),
    ).toHaveLength(1);
  }, 90_000);
});
