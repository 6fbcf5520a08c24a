import { randomUUID } from 'node:crypto';
import {
  catalogToJsonFeed,
  type FeedTestServer,
  makeTestCatalog,
  startFeedTestServer,
} from '@nlyzer/connectors/testing';
import type { ConnectionView } from '@nlyzer/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSyncWorker,
  type TestSyncWorker,
} from '../../../test/sync-harness.ts';

describe('connections: feeds, push-only stores and settings', () => {
  let feed: FeedTestServer;
  let worker: TestSyncWorker;

  beforeAll(async () => {
    feed = await startFeedTestServer();
    // A feed connects to one store at a time: each test has its own copy.
    for (const path of ['/feed.json', '/settings.json', '/requested.json', '/replaced.json']) {
      feed.setFile(path, {
        body: catalogToJsonFeed(makeTestCatalog(3), 'EUR', feed.origin),
        contentType: 'application/json',
      });
    }
    worker = await startTestSyncWorker();
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    await worker?.close();
    await feed?.close();
  });

  const call = async (
    storeId: string,
    method: 'GET' | 'PUT' | 'PATCH' | 'DELETE',
    payload?: object,
    role: 'owner' | 'admin' | 'analyst' = 'owner',
  ) =>
    worker.app.inject({
      method,
      url: '/v1/connection',
      headers: await worker.merchant(storeId, role),
      ...(payload === undefined ? {} : { payload }),
    });
  const initialRun = (storeId: string) =>
    worker.catalog.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.onboarding').select('initial_run_id').executeTakeFirst(),
    );

  it('answers 404 before the store connects anything', async () => {
    expect((await call(randomUUID(), 'GET')).statusCode).toBe(404);
  });

  it('connects a feed after reading it, and imports it', async () => {
    const storeId = randomUUID();
    const answer = await call(storeId, 'PUT', {
      platform: 'custom',
      feed_url: feed.url('/feed.json'),
      storefront_url: 'https://shop.example',
    });
    expect(answer.statusCode).toBe(202);
    expect(answer.json<ConnectionView>()).toMatchObject({
      platform: 'custom',
      state: 'connected',
      source: feed.url('/feed.json'),
      storefront_url: 'https://shop.example',
      webhooks: 'not_supported',
      sync_enabled: true,
    });
    const runId = (await initialRun(storeId))!.initial_run_id!;
    await worker.reportRunIndexed(storeId, runId);
    const indexed = await worker.waitForEvent('onboarding.catalog_indexed', (e) => e.store_id === storeId);
    expect(indexed.payload).toMatchObject({
      platform: 'custom',
      storefront_url: 'https://shop.example',
      products_indexed: 3,
    });

    // Disconnecting keeps the catalog.
    const gone = await call(storeId, 'DELETE');
    expect(gone.json()).toMatchObject({ state: 'disconnected', sync_enabled: false, webhooks: 'none' });
    const products = await worker.catalog.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.products').select('external_id').execute(),
    );
    expect(products).toHaveLength(3);
    expect((await call(storeId, 'PATCH', { sync_enabled: true })).statusCode).toBe(409);
  });

  it('refuses a feed it cannot read, storing nothing', async () => {
    const storeId = randomUUID();
    const answer = await call(storeId, 'PUT', { platform: 'custom', feed_url: feed.url('/missing.json') });
    expect(answer.statusCode).toBe(422);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect((await call(storeId, 'GET')).statusCode).toBe(404);
  });

  it("connects a push-only store, whose onboarding follows search's indexing", async () => {
    const storeId = randomUUID();
    const answer = await call(storeId, 'PUT', { platform: 'custom', storefront_url: 'https://push.example' });
    expect(answer.statusCode).toBe(202);
    expect(answer.json()).toMatchObject({
      platform: 'custom',
      source: null,
      sync_enabled: false,
      webhooks: 'not_supported',
    });
    expect((await initialRun(storeId))?.initial_run_id).toBeNull();
    expect((await call(storeId, 'PATCH', { sync_enabled: true })).statusCode).toBe(409);

    await worker.publishAs('search', storeId, 'catalog.indexing_progress', {
      store_id: storeId,
      run_id: randomUUID(),
      indexed: 5,
      failed: 1,
      total: 6,
    });
    const indexed = await worker.waitForEvent('onboarding.catalog_indexed', (e) => e.store_id === storeId);
    expect(indexed.payload).toEqual({
      store_id: storeId,
      platform: 'custom',
      storefront_url: 'https://push.example',
      products_indexed: 5,
      products_failed: 1,
    });
  });

  it('changes the sync settings for owners and admins only', async () => {
    const storeId = randomUUID();
    await call(storeId, 'PUT', { platform: 'custom', feed_url: feed.url('/settings.json') });
    expect((await call(storeId, 'PATCH', { sync_interval_minutes: 30 }, 'analyst')).statusCode).toBe(403);
    const patched = await call(storeId, 'PATCH', { sync_interval_minutes: 30, sync_enabled: false }, 'admin');
    expect(patched.json()).toMatchObject({ sync_interval_minutes: 30, sync_enabled: false });
    expect((await call(storeId, 'PATCH', { sync_interval_minutes: 5 })).statusCode).toBe(400);
    expect((await call(storeId, 'PATCH', {})).statusCode).toBe(400);
    expect((await call(storeId, 'GET', undefined, 'analyst')).json()).toMatchObject({
      sync_interval_minutes: 30,
    });
  });

  it('queues the sync the gateway asks for, when there is something to pull', async () => {
    const feedStore = randomUUID();
    const pushStore = randomUUID();
    expect(
      (await call(feedStore, 'PUT', { platform: 'custom', feed_url: feed.url('/requested.json') }))
        .statusCode,
    ).toBe(202);
    await call(pushStore, 'PUT', { platform: 'custom' });
    const runs = (storeId: string) =>
      worker.catalog.withStore(storeId, (trx) =>
        trx
          .selectFrom('catalog.sync_runs')
          .select(['trigger', 'mode'])
          .where('trigger', '=', 'manual')
          .execute(),
      );
    // The onboarding import must be out of the way: one active run per store.
    await worker.reportRunIndexed(feedStore, (await initialRun(feedStore))!.initial_run_id!);
    await eventually(
      () =>
        worker.catalog.withStore(feedStore, (trx) =>
          trx
            .selectFrom('catalog.sync_runs')
            .select('id')
            .where('state', '=', 'succeeded')
            .executeTakeFirst(),
        ),
      'the onboarding import',
    );
    for (const storeId of [feedStore, pushStore]) {
      await worker.publishAs('gateway', storeId, 'catalog.sync_requested', {
        store_id: storeId,
        trigger: 'manual',
        mode: 'incremental',
        requested_by_user_id: randomUUID(),
      });
    }
    expect(
      await eventually(
        async () => ((await runs(feedStore)).length > 0 ? runs(feedStore) : undefined),
        'the run',
      ),
    ).toEqual([{ trigger: 'manual', mode: 'incremental' }]);
    expect(await runs(pushStore)).toEqual([]);
  });

  it('replaces the connection when the platform changes', async () => {
    const storeId = randomUUID();
    await call(storeId, 'PUT', { platform: 'custom', feed_url: feed.url('/replaced.json') });
    const replaced = await call(storeId, 'PUT', { platform: 'custom' });
    expect(replaced.json()).toMatchObject({ platform: 'custom', source: null, sync_enabled: false });
  });
});
