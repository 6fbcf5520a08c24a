import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES, SERVICES } from './services.ts';
import { canPublish, TOPIC_NAMES, TOPICS, type TopicDefinition } from './topics.ts';

// Pub/Sub topic id rules: https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names
const PUBSUB_ID = /^[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/;

describe('topic catalog', () => {
  it.each(TOPIC_NAMES)('%s is a valid Pub/Sub topic id in the dotted naming scheme', (name) => {
    expect(name).toMatch(PUBSUB_ID);
    expect(name.startsWith('goog')).toBe(false);
    expect(name).toMatch(/^[a-z][a-z_]*(\.[a-z][a-z_]*)+$/);
    expect(TOPICS[name].name).toBe(name);
  });

  it.each(TOPIC_NAMES)('%s names only known services', (name) => {
    const { publisher, subscribers } = TOPICS[name];
    if (publisher !== 'any') expect(SERVICE_NAMES).toContain(publisher);
    for (const subscriber of subscribers) expect(SERVICE_NAMES).toContain(subscriber);
    expect(new Set(subscribers).size).toBe(subscribers.length);
  });

  it.each(TOPIC_NAMES)('%s has an object payload schema and a positive integer version', (name) => {
    const { payload, version }: TopicDefinition = TOPICS[name];
    expect(payload.type).toBe('object');
    expect(payload).toMatchObject({ additionalProperties: false });
    expect(Number.isInteger(version) && version >= 1).toBe(true);
  });

  it.each(TOPIC_NAMES.filter((name) => TOPICS[name].orderingKey === 'store_id'))(
    '%s is ordered by store and carries a required store uuid',
    (name) => {
      const { payload }: TopicDefinition = TOPICS[name];
      expect(payload.properties.store_id).toMatchObject({ format: 'uuid' });
      expect(payload.required).toContain('store_id');
    },
  );

  it('covers every workflow of the blueprint', () => {
    for (const name of [
      'store.created',
      'store.platform_selected',
      'onboarding.completed',
      'search.performed',
      'concierge.requested',
      'catalog.products_changed',
      'catalog.sync_failed',
      'invoice.created',
      'usage.threshold_reached',
      'concierge.resolved',
      'concierge.premium_usage',
      'trend.detected',
      'notification.requested',
      'flag.changed',
      'flag.exposure',
    ]) {
      expect(TOPIC_NAMES).toContain(name);
    }
  });

  it('lets every service hear about flag changes except the flags service itself', () => {
    const listeners = new Set<string>(TOPICS['flag.changed'].subscribers);
    for (const service of SERVICE_NAMES) {
      const expected = service !== 'flags' && SERVICES[service].runtime === 'cloud-run';
      expect(listeners.has(service)).toBe(expected);
    }
  });

  it('restricts publishing to the topic owner unless the topic is open to any service', () => {
    expect(canPublish('store.created', 'gateway')).toBe(true);
    expect(canPublish('store.created', 'search')).toBe(false);
    expect(canPublish('notification.requested', 'billing')).toBe(true);
  });
});
