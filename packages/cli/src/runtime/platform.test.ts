import { randomUUID } from 'node:crypto';
import {
  createConsumer,
  createInProcessBus,
  createOutbox,
  type EventBus,
  listDeadLetters,
} from '@nlyzer/bus';
import { TOPICS } from '@nlyzer/contracts';
import { type Database, migrate } from '@nlyzer/db';
import { createLogger, type ServiceDefinition } from '@nlyzer/service-kit';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { captureIo } from '../../test/capture-io.ts';
import { listDeadLettersTo, replayDeadLettersTo } from '../commands/dlq.ts';
import { discoverServices } from './discover-services.ts';
import { migrationSets } from './migration-sets.ts';
import { type Platform, startPlatform } from './platform.ts';

let test: TestDatabase;
let db: Database;
let bus: EventBus;
let services: ServiceDefinition[];
let platform: Platform;
const logger = createLogger({ service: 'nlyzer', level: 'silent' });

async function until<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

beforeAll(async () => {
  test = await testDatabase();
  db = test.db;
  services = (await discoverServices()).services;
  await migrate(db, [...migrationSets(services).values()]);
  bus = createInProcessBus({ redeliveryDelayMs: 10 });
  platform = await startPlatform({
    services,
    db,
    bus,
    envFor: () => ({ NODE_ENV: 'test', LOG_LEVEL: 'silent' }),
    loggerFor: () => logger,
    logger,
    pull: true,
    schedule: true,
  });
});

afterAll(async () => {
  const report = await platform?.shutdown({ timeoutMs: 5000 });
  expect(report?.clean).toBe(true);
  await test.cleanup();
});

describe('the embedded platform', () => {
  it('builds every service of the workspace and answers its health checks', async () => {
    expect(services.length).toBeGreaterThan(0);
    expect(platform.services.map((s) => s.definition.name)).toEqual(services.map((s) => s.name));
    for (const { app } of platform.services) {
      expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
      // Readiness pings the database with a 2 s budget, which a loaded CI machine can miss once.
      await until(
        async () => ((await app.inject('/readyz')).statusCode === 200 ? true : undefined),
        'readiness',
      );
    }
  });

  it('subscribes <service>.<topic> on the bus for every handler the topic catalog lists', async () => {
    for (const { definition, subscriptions } of platform.services) {
      const expected = Object.keys(definition.handlers ?? {})
        .filter((topic) => TOPICS[topic as keyof typeof TOPICS]?.subscribers.includes(definition.name))
        .map((topic) => `${definition.name}.${topic}`);
      expect(subscriptions.map((s) => s.name)).toEqual(expected);
      for (const subscription of subscriptions) {
        await expect(bus.subscribe(subscription)).rejects.toMatchObject({ code: 'duplicate_subscription' });
      }
    }
  });

  it('mounts the jobs route and the Pub/Sub push route on every service', async () => {
    for (const { app } of platform.services) {
      const job = await app.inject({ method: 'POST', url: '/jobs/no-such-job' });
      expect(job.statusCode).toBe(404);
      expect(job.json()).toMatchObject({ code: 'not_found' });
      const push = await app.inject({
        method: 'POST',
        url: '/pubsub/push',
        payload: {
          subscription: 'projects/p/subscriptions/nobody.store.created',
          message: { data: '', messageId: '1' },
        },
      });
      // Undeliverable pushes are dead-lettered and acked, or Pub/Sub would redeliver them forever.
      expect(push.statusCode).toBe(204);
    }
    const letters = await listDeadLetters(db, { subscription: 'nobody.store.created' });
    expect(letters).toHaveLength(platform.services.length);
  });

  it('lists a dead-lettered event and replays it to its subscription with the dlq commands', async () => {
    const subscription = 'wiring-test.store.created';
    let failing = true;
    const handled: string[] = [];
    await bus.subscribe(
      createConsumer({
        db,
        subscription,
        topic: 'store.created',
        maxAttempts: 1,
        handle: async (envelope) => {
          if (failing) throw new Error('billing provider down');
          handled.push(envelope.event_id);
        },
      }),
    );
    const storeId = randomUUID();
    const outbox = createOutbox({ db, bus, source: 'gateway' });
    const eventId = await outbox.withStore(storeId, (_trx, emit) =>
      emit('store.created', {
        store_id: storeId,
        company: 'Wiring Test Shop',
        tier: 'starter',
        owner_user_id: randomUUID(),
        billing_email: 'owner@wiring.test',
        time_zone: 'Europe/Berlin',
        created_at: new Date().toISOString(),
      }),
    );
    await outbox.flush();
    const [letter] = await until(async () => {
      const found = await listDeadLetters(db, { subscription });
      return found.length > 0 ? found : undefined;
    }, 'the dead letter');

    const listed = captureIo();
    await listDeadLettersTo(db, { subscription }, listed);
    expect(listed.out()).toMatch(/^ID\s+SUBSCRIPTION\s+TOPIC\s+EVENT ID\s+ATTEMPTS\s+REASON\s+CREATED/);
    expect(listed.out()).toContain(`${letter!.id}`);
    expect(listed.out()).toContain(eventId);
    expect(listed.out()).toContain('billing provider down');

    failing = false;
    const replayed = captureIo();
    const outcome = await replayDeadLettersTo(db, { ids: [String(letter!.id)] }, replayed);
    expect(outcome).toEqual({ replayed: [letter!.id], failed: [] });
    await outbox.flush();
    await until(async () => (handled.includes(eventId) ? true : undefined), 'the replayed delivery');
    expect(handled).toEqual([eventId]);

    const again = captureIo();
    await replayDeadLettersTo(db, { ids: [String(letter!.id)] }, again);
    expect(again.err()).toContain('dead_letter_already_replayed');
    const empty = captureIo();
    await listDeadLettersTo(db, { subscription }, empty);
    expect(empty.out()).toBe('no dead letters\n');
    await outbox.stop();
  });
});
