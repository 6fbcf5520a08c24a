import { describe, expect, it } from 'vitest';
import { createEnvelope } from './envelope.ts';
import type { TopicPayload } from './topics.ts';
import { validateEnvelope, validatePayload } from './validate.ts';

const storeId = '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60';

function storeCreated(): TopicPayload<'store.created'> {
  return {
    store_id: storeId,
    company: 'Acme Apparel',
    tier: 'growth',
    owner_user_id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    billing_email: 'billing@acme.example',
    time_zone: 'America/New_York',
    created_at: '2025-03-14T10:00:00.000Z',
  };
}

function envelope() {
  return createEnvelope('store.created', storeCreated(), { source: 'gateway', correlationId: 'req-42' });
}

function errorsOf(result: ReturnType<typeof validateEnvelope>): string[] {
  return result.ok ? [] : result.errors;
}

describe('createEnvelope', () => {
  it('produces an envelope that validates, filled from the catalog and the payload', () => {
    const created = envelope();
    expect(validateEnvelope(created)).toEqual({ ok: true, value: created });
    expect(created).toMatchObject({
      event_type: 'store.created',
      version: 1,
      store_id: storeId,
      source: 'gateway',
      correlation_id: 'req-42',
      causation_id: null,
    });
    expect(Date.parse(created.occurred_at)).not.toBeNaN();
    expect(envelope().event_id).not.toBe(created.event_id);
  });

  it('round-trips through JSON, as it does through the bus', () => {
    const created = createEnvelope(
      'catalog.products_changed',
      {
        store_id: storeId,
        run_id: null,
        upserted: [
          {
            product_id: '0b9e7c4a-2d6f-4e8a-9c1b-3a5d7f9e1c2b',
            external_id: 'gid://shopify/Product/1',
            title: 'Linen shirt',
            description: 'Washed linen, relaxed fit',
            url: 'https://acme.example/products/linen-shirt',
            price: { amount_minor: 4900, currency: 'USD' },
            categories: ['shirts'],
            in_stock: true,
            content_hash: 'a'.repeat(64),
            image_urls: ['https://cdn.acme.example/linen.jpg'],
            changed_images: true,
          },
        ],
        deleted: [],
      },
      { source: 'sync-worker', correlationId: 'req-7', causationId: '6a0e4b1c-3d2f-4a5b-8c7d-9e0f1a2b3c4d' },
    );
    expect(validateEnvelope(JSON.parse(JSON.stringify(created))).ok).toBe(true);
  });

  it('keeps store_id null for platform-level events', () => {
    const created = createEnvelope(
      'analysis.completed',
      {
        run_id: '6a0e4b1c-3d2f-4a5b-8c7d-9e0f1a2b3c4d',
        job: 'daily-analysis',
        stores_analyzed: 12,
        insights_generated: 30,
        duration_ms: 5400,
      },
      { source: 'intelligence', correlationId: 'job-daily-analysis' },
    );
    expect(created.store_id).toBeNull();
    expect(validateEnvelope(created).ok).toBe(true);
  });
});

describe('validateEnvelope', () => {
  it('names the path of a bad uuid', () => {
    expect(errorsOf(validateEnvelope({ ...envelope(), event_id: 'not-a-uuid' }))).toEqual([
      '/event_id: must be uuid',
    ]);
  });

  it('rejects an unknown topic', () => {
    expect(errorsOf(validateEnvelope({ ...envelope(), event_type: 'store.exploded' }))).toEqual([
      '/event_type: unknown topic "store.exploded"',
    ]);
  });

  it('rejects a version the catalog does not have', () => {
    expect(errorsOf(validateEnvelope({ ...envelope(), version: 2 }))).toEqual([
      '/version: topic store.created is at version 1, got 2',
    ]);
  });

  it('checks the payload against the topic schema, naming each path', () => {
    const bad = envelope();
    const payload: Record<string, unknown> = { ...bad.payload, tier: 'platinum', billing_email: 'nobody' };
    delete payload.owner_user_id;
    expect(errorsOf(validateEnvelope({ ...bad, payload })).sort()).toEqual([
      '/payload/billing_email: must be email',
      '/payload/owner_user_id: is required',
      '/payload/tier: must be one of "starter", "growth", "enterprise"',
    ]);
  });

  it('checks time zones against the IANA database', () => {
    const bad = envelope();
    expect(
      errorsOf(validateEnvelope({ ...bad, payload: { ...bad.payload, time_zone: 'Mars/Olympus_Mons' } })),
    ).toEqual(['/payload/time_zone: must be time-zone']);
    expect(validatePayload('store.created', { ...bad.payload, time_zone: 'Asia/Kolkata' }).ok).toBe(true);
  });

  it('reports a wrong payload type and an unexpected field', () => {
    const bad = envelope();
    const errors = errorsOf(
      validateEnvelope({ ...bad, payload: { ...bad.payload, company: 42, extra: true } }),
    );
    expect(errors.sort()).toEqual(['/payload/company: must be string', '/payload/extra: is not allowed']);
  });

  it('reports envelope and payload problems together', () => {
    const bad = envelope();
    const errors = errorsOf(
      validateEnvelope({
        ...bad,
        occurred_at: 'yesterday',
        payload: { ...bad.payload, created_at: 'today' },
      }),
    );
    expect(errors.sort()).toEqual([
      '/occurred_at: must be date-time',
      '/payload/created_at: must be date-time',
    ]);
  });

  it('folds a nullable field into one line', () => {
    const bad = envelope();
    expect(errorsOf(validateEnvelope({ ...bad, causation_id: 'abc' }))).toEqual([
      '/causation_id: must be uuid or must be null',
    ]);
  });

  it('requires the envelope store_id to match the payload', () => {
    expect(errorsOf(validateEnvelope({ ...envelope(), store_id: null }))).toEqual([
      '/store_id: must equal /payload/store_id',
    ]);
  });

  it('rejects missing envelope fields, unknown sources and non-objects', () => {
    const { correlation_id: _dropped, ...rest } = envelope();
    expect(errorsOf(validateEnvelope(rest))).toEqual(['/correlation_id: is required']);
    expect(errorsOf(validateEnvelope({ ...envelope(), source: 'mainframe' }))[0]).toMatch(
      /^\/source: must be one of/,
    );
    expect(errorsOf(validateEnvelope('hello'))).toEqual(['/: must be object']);
  });
});

describe('validatePayload', () => {
  it('accepts a valid payload and checks uri formats', () => {
    const payload = {
      store_id: storeId,
      key_id: '0b9e7c4a-2d6f-4e8a-9c1b-3a5d7f9e1c2b',
      prefix: 'wk_live_ab',
      allowed_origins: ['https://acme.example'],
      by_user_id: 'a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d',
    };
    expect(validatePayload('widget_key.created', payload)).toEqual({ ok: true, value: payload });
    expect(validatePayload('widget_key.created', { ...payload, allowed_origins: ['not a url'] })).toEqual({
      ok: false,
      errors: ['/allowed_origins/0: must be uri'],
    });
  });

  it('rejects an unknown topic', () => {
    expect(validatePayload('nope.never' as 'store.created', {})).toEqual({
      ok: false,
      errors: ['/event_type: unknown topic "nope.never"'],
    });
  });

  it('checks numeric ranges', () => {
    const result = validatePayload('usage.threshold_reached', {
      store_id: storeId,
      metric: 'searches',
      used: 40_001,
      quota: 50_000,
      percent: 180,
      period_start: '2025-03-01',
    });
    expect(result).toEqual({ ok: false, errors: ['/percent: must be <= 100'] });
  });
});
