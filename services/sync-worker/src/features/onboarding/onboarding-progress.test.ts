import { randomUUID } from 'node:crypto';
import type { Emit } from '@nlyzer/bus';
import { busMigrations } from '@nlyzer/bus';
import type { Envelope, TopicName, TopicPayload } from '@nlyzer/contracts';
import { migrate } from '@nlyzer/db';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogTables } from '../../catalog-tables.ts';
import type { CatalogTransaction } from '../../sync-context.ts';
import {
  markConnected,
  markPlatformSelected,
  markWidgetKeyCreated,
  onPushIndexingProgress,
  onRunIndexed,
} from './onboarding-progress.ts';

const catalogMigrations = { schema: 'catalog', folder: new URL('../../../migrations/', import.meta.url) };

interface Emitted {
  topic: TopicName;
  payload: unknown;
}

function envelope<T extends TopicName>(topic: T, payload: TopicPayload<T>, storeId: string): Envelope<T> {
  return {
    event_id: randomUUID(),
    event_type: topic,
    version: 1,
    occurred_at: new Date().toISOString(),
    store_id: storeId,
    source: 'gateway',
    correlation_id: randomUUID(),
    causation_id: null,
    payload,
  } as unknown as Envelope<T>;
}

describe('onboarding progress', () => {
  let database: TestDatabase<CatalogTables>;
  const emitted: Emitted[] = [];
  const emit: Emit = async (topic, payload) => {
    emitted.push({ topic, payload });
    return randomUUID();
  };
  const inStore = <R>(storeId: string, fn: (trx: CatalogTransaction) => Promise<R>) =>
    database.db.withStore(storeId, (trx) => fn(trx as CatalogTransaction));
  const of = (storeId: string, topic: TopicName) =>
    emitted.filter((e) => e.topic === topic && (e.payload as { store_id: string }).store_id === storeId);

  beforeAll(async () => {
    database = await testDatabase<CatalogTables>();
    await migrate(database.db, [busMigrations, catalogMigrations]);
  }, 120_000);
  afterAll(() => database?.cleanup());

  /** A connected store whose initial run has finished with `indexed` products indexed. */
  async function connectedStoreWithIndexedRun(storeId: string, indexed: number) {
    const runId = randomUUID();
    await inStore(storeId, async (trx) => {
      await trx
        .insertInto('catalog.connections')
        .values({
          store_id: storeId,
          platform: 'woocommerce',
          state: 'connected',
          source: `https://${storeId}.shop.example`,
          storefront_url: 'https://shop.example',
        })
        .execute();
      await trx
        .insertInto('catalog.sync_runs')
        .values({
          id: runId,
          store_id: storeId,
          trigger: 'onboarding',
          mode: 'full',
          state: 'succeeded',
          phase: 'done',
          seen: indexed + 1,
          failed: 1,
          indexing_total: indexed,
          indexing_indexed: indexed,
        } as never)
        .execute();
      await markConnected(trx, storeId, 'woocommerce', runId, new Date(Date.now() - 5_000));
      // One product with a fetched image, one without any.
      for (const [n, withImage] of [
        [1, true],
        [2, false],
      ] as const) {
        const productId = randomUUID();
        await trx
          .insertInto('catalog.products')
          .values({
            store_id: storeId,
            product_id: productId,
            external_id: `p${n}`,
            content_hash: `h${n}`,
            title: `Product ${n}`,
            availability: 'in_stock',
            variants: '[]',
          })
          .execute();
        if (withImage) {
          await trx
            .insertInto('catalog.product_images')
            .values({
              store_id: storeId,
              product_id: productId,
              position: 0,
              url: 'https://img/1',
              status: 'ok',
            })
            .execute();
        }
      }
    });
    return runId;
  }

  it('publishes catalog_indexed once, then completed once when the widget key arrives', async () => {
    const storeId = randomUUID();
    await inStore(storeId, (trx) =>
      markPlatformSelected(
        envelope(
          'store.platform_selected',
          { store_id: storeId, platform: 'woocommerce', selected_by_user_id: randomUUID() },
          storeId,
        ),
        { trx, emit },
      ),
    );
    const runId = await connectedStoreWithIndexedRun(storeId, 2);
    const run = { id: runId, storeId };
    await inStore(storeId, (trx) => onRunIndexed(trx, emit, run));
    await inStore(storeId, (trx) => onRunIndexed(trx, emit, run));
    expect(of(storeId, 'onboarding.catalog_indexed').map((e) => e.payload)).toEqual([
      {
        store_id: storeId,
        platform: 'woocommerce',
        storefront_url: 'https://shop.example',
        products_indexed: 2,
        products_failed: 1,
      },
    ]);
    expect(of(storeId, 'onboarding.completed')).toEqual([]);

    const keyCreated = envelope(
      'widget_key.created',
      {
        store_id: storeId,
        key_id: randomUUID(),
        prefix: 'wk_test',
        allowed_origins: ['https://shop.example'],
        by_user_id: randomUUID(),
      },
      storeId,
    );
    await inStore(storeId, (trx) => markWidgetKeyCreated(keyCreated, { trx, emit }));
    await inStore(storeId, (trx) => markWidgetKeyCreated(keyCreated, { trx, emit }));
    const completed = of(storeId, 'onboarding.completed');
    expect(completed).toHaveLength(1);
    expect(completed[0]!.payload).toMatchObject({
      store_id: storeId,
      platform: 'woocommerce',
      products_indexed: 2,
      products_failed: 1,
      products_without_images: 1,
    });
    expect((completed[0]!.payload as { duration_ms: number }).duration_ms).toBeGreaterThanOrEqual(5_000);
  });

  it('completes when the widget key came before the catalog was indexed', async () => {
    const storeId = randomUUID();
    const runId = await connectedStoreWithIndexedRun(storeId, 3);
    await inStore(storeId, (trx) =>
      markWidgetKeyCreated(
        envelope(
          'widget_key.created',
          {
            store_id: storeId,
            key_id: randomUUID(),
            prefix: 'wk_test',
            allowed_origins: ['https://shop.example'],
            by_user_id: randomUUID(),
          },
          storeId,
        ),
        { trx, emit },
      ),
    );
    expect(of(storeId, 'onboarding.completed')).toEqual([]);
    await inStore(storeId, (trx) => onRunIndexed(trx, emit, { id: runId, storeId }));
    expect(of(storeId, 'onboarding.catalog_indexed')).toHaveLength(1);
    expect(of(storeId, 'onboarding.completed')).toHaveLength(1);
  });

  it('ignores indexed runs of stores that never connected', async () => {
    const storeId = randomUUID();
    await inStore(storeId, (trx) => onRunIndexed(trx, emit, { id: randomUUID(), storeId }));
    expect(of(storeId, 'onboarding.catalog_indexed')).toEqual([]);
  });

  it("follows the search service's indexing for a store that pushes its catalog", async () => {
    const storeId = randomUUID();
    await inStore(storeId, async (trx) => {
      await trx
        .insertInto('catalog.connections')
        .values({
          store_id: storeId,
          platform: 'custom',
          state: 'connected',
          source: null,
          storefront_url: null,
        })
        .execute();
      await markConnected(trx, storeId, 'custom', null, new Date());
      await onPushIndexingProgress(trx, emit, { store_id: storeId, indexed: 3, failed: 0, total: 5 });
    });
    expect(of(storeId, 'onboarding.catalog_indexed')).toEqual([]);
    await inStore(storeId, (trx) =>
      onPushIndexingProgress(trx, emit, { store_id: storeId, indexed: 4, failed: 1, total: 5 }),
    );
    await inStore(storeId, (trx) =>
      onPushIndexingProgress(trx, emit, { store_id: storeId, indexed: 9, failed: 1, total: 10 }),
    );
    expect(of(storeId, 'onboarding.catalog_indexed').map((e) => e.payload)).toEqual([
      {
        store_id: storeId,
        platform: 'custom',
        storefront_url: null,
        products_indexed: 4,
        products_failed: 1,
      },
    ]);
  });

  it('leaves a pulled store to its sync runs', async () => {
    const storeId = randomUUID();
    await connectedStoreWithIndexedRun(storeId, 1);
    await inStore(storeId, (trx) =>
      onPushIndexingProgress(trx, emit, { store_id: storeId, indexed: 1, failed: 0, total: 1 }),
    );
    expect(of(storeId, 'onboarding.catalog_indexed')).toEqual([]);
  });
});
