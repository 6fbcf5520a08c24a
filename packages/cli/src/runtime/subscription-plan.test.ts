import type { ServiceDefinition } from '@nlyzer/service-kit';
import { describe, expect, it } from 'vitest';
import { planSubscriptions } from './subscription-plan.ts';

const handler = async () => {};
const service = (name: ServiceDefinition['name'], topics: string[]): ServiceDefinition =>
  ({
    name,
    configSchema: { type: 'object', properties: {} },
    migrations: { schema: name, folder: new URL('file:///nowhere/') },
    build: () => Promise.reject(new Error('not built in this test')),
    handlers: Object.fromEntries(topics.map((topic) => [topic, handler])),
  }) as unknown as ServiceDefinition;

describe('planSubscriptions', () => {
  // In the topic catalog billing subscribes to store.created and store.settings_updated, not
  // to store.platform_selected (sync-worker's).
  const plan = planSubscriptions([service('billing', ['store.created', 'store.platform_selected'])]);

  it('subscribes <service>.<topic> for each handler the catalog lists the service under', () => {
    expect(plan.subscriptions).toContainEqual({
      service: 'billing',
      topic: 'store.created',
      name: 'billing.store.created',
    });
    expect(plan.subscriptions.every((s) => s.service === 'billing')).toBe(true);
  });

  it('leaves a handler the catalog does not list unsubscribed, and reports it', () => {
    expect(plan.unlisted).toEqual([{ service: 'billing', topic: 'store.platform_selected' }]);
    expect(plan.subscriptions.map((s) => s.topic)).not.toContain('store.platform_selected');
  });

  it('reports catalog topics a present service does not handle', () => {
    expect(plan.unhandled).toContainEqual({ service: 'billing', topic: 'store.settings_updated' });
  });

  it('lists the subscribers of absent services as waiting', () => {
    expect(plan.waiting).toContainEqual({ service: 'notifier', topic: 'store.created' });
    expect(plan.waiting.some((w) => w.service === 'billing')).toBe(false);
  });
});
