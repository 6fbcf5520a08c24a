import { createEnvelope } from '@nlyzer/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  auditActions,
  bearer,
  createApiKey,
  expectProblem,
  SETUP_TIMEOUT_MS,
  signUp,
  startTestGateway,
  type TestGateway,
} from '../../../test/harness.ts';
import { withStoreEvents } from '../../core-transaction.ts';
import { markStoreLive } from './store-live.ts';

describe('store settings and platform', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const patch = (headers: Record<string, string>, payload: unknown) =>
    gateway.app.inject({ method: 'PATCH', url: '/v1/store', headers, payload: payload as object });

  it('selects the platform once, announcing it to the sync worker', async () => {
    const owner = await signUp(gateway);
    const key = await createApiKey(gateway, owner.token);
    const put = (platform: string) =>
      gateway.app.inject({
        method: 'PUT',
        url: '/v1/store/platform',
        headers: { 'x-api-key': key.key },
        payload: { platform },
      });
    expect((await put('shopify')).json().platform).toBe('shopify');
    expect((await put('shopify')).statusCode).toBe(200);
    expectProblem(await put('magento'), 400, 'validation_failed');

    const event = await gateway.waitForEvent('store.platform_selected', (e) => e.store_id === owner.storeId);
    // Done with an API key: the event names the person answerable for the key.
    expect(event.payload).toEqual({
      store_id: owner.storeId,
      platform: 'shopify',
      selected_by_user_id: owner.userId,
    });
    expect(
      (await auditActions(gateway, owner.storeId)).filter((a) => a === 'store.platform_selected'),
    ).toHaveLength(1);
    const audit = await gateway.core.withStore(owner.storeId, (trx) =>
      trx
        .selectFrom('core.audit_log')
        .selectAll()
        .where('action', '=', 'store.platform_selected')
        .executeTakeFirstOrThrow(),
    );
    expect(audit).toMatchObject({ actor_user_id: null, actor_api_key_id: key.id });
  });

  it('updates settings, announcing the ones other services keep', async () => {
    const owner = await signUp(gateway);
    const updated = await patch(bearer(owner.token), {
      company: 'Acme Two',
      time_zone: 'Asia/Tokyo',
      billing_email: ' Billing@Example.com ',
      search_confidence_threshold: 0.72,
      widget_theme: { primary_color: '#112233', position: 'bottom-left' },
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({
      company: 'Acme Two',
      time_zone: 'Asia/Tokyo',
      billing_email: 'billing@example.com',
      search_confidence_threshold: 0.72,
      widget_theme: { primary_color: '#112233', position: 'bottom-left' },
    });
    const event = await gateway.waitForEvent('store.settings_updated', (e) => e.store_id === owner.storeId);
    expect(event.payload).toEqual({
      store_id: owner.storeId,
      changed: ['company', 'billing_email', 'time_zone', 'search_confidence_threshold'],
      settings: {
        company: 'Acme Two',
        billing_email: 'billing@example.com',
        time_zone: 'Asia/Tokyo',
        search_confidence_threshold: 0.72,
      },
      changed_by_user_id: owner.userId,
    });

    const themeOnly = await patch(bearer(owner.token), { widget_theme: { primary_color: '#000000' } });
    expect(themeOnly.statusCode).toBe(200);
    await gateway.outbox.flush();
    expect(
      gateway.events.filter((e) => e.event_type === 'store.settings_updated' && e.store_id === owner.storeId),
    ).toHaveLength(1);
    expect(
      (await auditActions(gateway, owner.storeId)).filter((a) => a === 'store.settings_updated'),
    ).toHaveLength(2);
    expect(
      (await gateway.app.inject({ method: 'GET', url: '/v1/store', headers: bearer(owner.token) })).json(),
    ).toMatchObject({
      widget_theme: { primary_color: '#000000' },
    });
  });

  it('announces a confidence threshold change alone, with every current setting', async () => {
    const owner = await signUp(gateway);
    expect((await patch(bearer(owner.token), { search_confidence_threshold: 0.55 })).statusCode).toBe(200);
    const event = await gateway.waitForEvent('store.settings_updated', (e) => e.store_id === owner.storeId);
    expect(event.payload).toMatchObject({
      changed: ['search_confidence_threshold'],
      settings: { company: 'Acme Outfitters', search_confidence_threshold: 0.55 },
    });
  });

  it.each([
    ['an empty patch', {}],
    ['a threshold above 1', { search_confidence_threshold: 1.5 }],
    ['an unknown time zone', { time_zone: 'Europe/Atlantis' }],
    ['a bad colour', { widget_theme: { primary_color: 'red' } }],
    ['an unknown theme field', { widget_theme: { primary_color: '#ffffff', font: 'Comic Sans' } }],
    ['a blank company', { company: ' ' }],
  ])('refuses %s', async (_label, body) => {
    const owner = await signUp(gateway);
    expectProblem(await patch(bearer(owner.token), body), 400, 'validation_failed');
  });

  it('lets every role read the store but only owners and admins change it', async () => {
    const owner = await signUp(gateway, { tier: 'growth' });
    const agent = await addMember(gateway, owner.token, 'agent');
    expect(
      (await gateway.app.inject({ method: 'GET', url: '/v1/store', headers: bearer(agent.token) }))
        .statusCode,
    ).toBe(200);
    expectProblem(await patch(bearer(agent.token), { company: 'Mine now' }), 403, 'forbidden');
  });

  it('goes live once, on the first onboarding.completed', async () => {
    const owner = await signUp(gateway);
    const completed = (at: string) => ({
      ...createEnvelope(
        'onboarding.completed',
        {
          store_id: owner.storeId,
          platform: 'custom',
          products_indexed: 10,
          products_failed: 0,
          products_without_images: 1,
          duration_ms: 1200,
        },
        { source: 'sync-worker', correlationId: 'sync-1', storeId: owner.storeId },
      ),
      occurred_at: at,
    });
    for (const at of ['2026-11-21T10:00:00.000Z', '2026-11-22T10:00:00.000Z']) {
      await withStoreEvents(gateway.outbox, owner.storeId, (trx, emit) =>
        markStoreLive(completed(at), { trx, emit }),
      );
    }
    const store = await gateway.app.inject({ method: 'GET', url: '/v1/store', headers: bearer(owner.token) });
    expect(store.json().live_at).toBe('2026-11-21T10:00:00.000Z');
  });
});
