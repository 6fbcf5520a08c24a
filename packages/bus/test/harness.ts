// Shared by every test file: the tier's database and bus, and the test's own effect tables.

import { PubSub } from '@google-cloud/pubsub';
import { createEnvelope, type Envelope } from '@nlyzer/contracts';
import { migrate } from '@nlyzer/db';
import { realInfra, type TestDatabase, testDatabase, tier } from '@nlyzer/testing';
import { createInProcessBus, createPubSubBus, type EventBus } from '../src/index.ts';
import { busMigrations } from '../src/tables.ts';
import { type TestTables, testMigrations } from './effects.ts';

export { insertEffect, type TestTables, testMigrations } from './effects.ts';

/** One Pub/Sub project per test file (module state is per file), so files never share topics. */
export const projectId = `bus-test-${crypto.randomUUID().slice(0, 8)}`;

export async function openTestDatabase(): Promise<TestDatabase<TestTables>> {
  const database = await testDatabase<TestTables>();
  await migrate(database.db, [busMigrations, testMigrations]);
  return database;
}

/** Redeliveries are fast in tests; a nack still waits, like on Pub/Sub. */
export function openTestBus(): EventBus {
  const infra = realInfra();
  if (tier() === 'embedded' || !infra?.pubsubEmulatorHost)
    return createInProcessBus({ redeliveryDelayMs: 20 });
  return createPubSubBus({
    projectId,
    emulatorHost: infra.pubsubEmulatorHost,
    ensureTopology: true,
    redeliveryDelayMs: 20,
  });
}

/** A raw Pub/Sub client on the real tier, for publishing what the bus never would (garbage). */
export function rawPubSub(): PubSub | null {
  const host = realInfra()?.pubsubEmulatorHost;
  return tier() === 'real' && host
    ? new PubSub({ projectId, apiEndpoint: host, emulatorMode: true, universeDomain: 'googleapis.com' })
    : null;
}

export async function waitFor<T>(
  probe: () => Promise<T | undefined | null | false>,
  what: string,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Effects rows are under RLS (so a handler not run in its store's transaction fails); count store by store. */
export async function effectsOf(
  database: TestDatabase<TestTables>,
  subscription: string,
  storeIds: readonly string[],
): Promise<{ event_id: string; store_id: string; seq: number }[]> {
  const rows = [];
  for (const storeId of storeIds) {
    rows.push(
      ...(await database.db.withStore(storeId, (trx) =>
        trx
          .selectFrom('bus_test.effects')
          .select(['event_id', 'store_id', 'seq'])
          .where('subscription', '=', subscription)
          .orderBy('id')
          .execute(),
      )),
    );
  }
  return rows;
}

export function invoicePaid(storeId: string, seq: number): Envelope<'invoice.paid'> {
  return createEnvelope(
    'invoice.paid',
    {
      store_id: storeId,
      invoice_id: crypto.randomUUID(),
      amount_cents: seq,
      paid_at: new Date().toISOString(),
    },
    { source: 'billing', correlationId: `test-${seq}` },
  );
}
