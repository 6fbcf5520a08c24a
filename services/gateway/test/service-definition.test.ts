// The gateway as the runtime sees it: `service.build` and the consumers of `service.handlers`,
// which get no deps and so serve the one gateway app open in the process.
import { createEnvelope } from '@nlyzer/contracts';
import { createLogger } from '@nlyzer/service-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { service } from '../src/service.ts';
import { SETUP_TIMEOUT_MS, signUp, startTestGateway, type TestGateway } from './harness.ts';

describe('the gateway service definition', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  it('subscribes the onboarding topics, and issues the snippet key only while its app is open', async () => {
    expect(Object.keys(service.handlers ?? {}).sort()).toEqual([
      'onboarding.catalog_indexed',
      'onboarding.completed',
    ]);
    const store = await signUp(gateway);
    const envelope = createEnvelope(
      'onboarding.catalog_indexed',
      {
        store_id: store.storeId,
        platform: 'woocommerce',
        storefront_url: 'https://shop.example',
        products_indexed: 3,
        products_failed: 0,
      },
      { source: 'sync-worker', correlationId: crypto.randomUUID() },
    );
    const handle = service.handlers!['onboarding.catalog_indexed']!;
    const deliver = () =>
      gateway.outbox.withStore(store.storeId, (trx, emit) => handle(envelope, { trx, emit }));
    const activeKeys = () =>
      gateway.core.withStore(store.storeId, (trx) =>
        trx
          .selectFrom('core.widget_keys')
          .select('allowed_origins')
          .where('revoked_at', 'is', null)
          .execute(),
      );

    await expect(deliver()).rejects.toThrow(/not built/);

    const app = await service.build({
      config: gateway.config,
      db: gateway.db,
      bus: gateway.bus,
      outbox: gateway.outbox,
      logger: createLogger({ service: 'gateway', level: 'silent' }),
    });
    await deliver();
    expect(await activeKeys()).toEqual([{ allowed_origins: ['https://shop.example'] }]);

    await app.close();
    await expect(deliver()).rejects.toThrow(/not built/);
  });
});
