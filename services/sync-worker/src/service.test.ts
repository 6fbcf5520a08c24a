import { randomUUID } from 'node:crypto';
import { busMigrations, createInProcessBus, createOutbox } from '@nlyzer/bus';
import { migrate } from '@nlyzer/db';
import { createLogger, loadConfig } from '@nlyzer/service-kit';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CatalogTables } from './catalog-tables.ts';
import { syncWorkerConfigSchema } from './config.ts';
import { service } from './service.ts';

describe('the sync worker service definition', () => {
  let database: TestDatabase;
  const logger = createLogger({ service: 'sync-worker', level: 'silent' });

  beforeAll(async () => {
    database = await testDatabase();
    await migrate(database.db, [busMigrations, service.migrations]);
  }, 120_000);
  afterAll(() => database?.cleanup());

  it('runs the scheduled tick on the app it built, and nothing once it is closed', async () => {
    const { db } = database;
    const bus = createInProcessBus();
    const outbox = createOutbox({ db, bus, source: 'sync-worker' });
    const config = loadConfig(syncWorkerConfigSchema, {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      NLYZER_DATA_DIR: 'memory://',
    });
    const app = await service.build({ config, db, bus, outbox, logger });
    const tick = service.jobs?.['catalog-sync-tick'];
    expect(tick).toBeDefined();

    const storeId = randomUUID();
    const catalog = db.as<CatalogTables>();
    await catalog.withStore(storeId, (trx) =>
      trx
        .insertInto('catalog.connections')
        .values({
          store_id: storeId,
          platform: 'custom',
          state: 'connected',
          source: 'https://feed.example/products.json',
          next_sync_at: new Date(Date.now() - 60_000),
        })
        .execute(),
    );
    const runs = () =>
      catalog.withStore(storeId, (trx) => trx.selectFrom('catalog.sync_runs').select(['trigger']).execute());

    await app.close();
    await tick!({ scheduledAt: new Date(), logger });
    expect(await runs()).toEqual([]);

    const reopened = await service.build({ config, db, bus, outbox, logger });
    try {
      await tick!({ scheduledAt: new Date(), logger });
      expect(await runs()).toEqual([{ trigger: 'schedule' }]);
    } finally {
      await reopened.close();
      await outbox.stop();
      await bus.close();
    }
  });
});
