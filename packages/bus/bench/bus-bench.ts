// End-to-end bus benchmark: emit (outbox rows, committed) → relay → bus → idempotent
// consumer whose handler inserts one row.
//
// Each run has two phases over the same pipeline:
//  - throughput: producers commit as fast as they can; events/s = events / time until the
//    last one was handled;
//  - latency: producers commit at half that rate (a loaded but not saturated bus) and
//    each event's emit commit → handler commit time is measured. Latency under saturation
//    is only queueing time, so it is not reported.
// Producers commit EVENTS_PER_TRANSACTION events per transaction. Several runs per
// driver; the median is reported. The last lines printed are one JSON object per driver.
// `node bench/bus-bench.ts postgres+memory` runs only the drivers named.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type Database, migrate, openDatabase } from '@nlyzer/db';
import { startPostgres, startPubSubEmulator } from '@nlyzer/testing';
import {
  busMigrations,
  createConsumer,
  createInProcessBus,
  createOutbox,
  createPubSubBus,
  type Delivery,
  type EventBus,
  type Outbox,
} from '../src/index.ts';
import { insertEffect, testMigrations } from '../test/effects.ts';

const RUNS = 3;
const STORES = 64;
const PRODUCERS = 8;
const EVENTS_PER_TRANSACTION = 10;
const POOL_SIZE = 16;
const stores = Array.from({ length: STORES }, () => crypto.randomUUID());

interface Pipeline {
  /** Commits one transaction of `count` events for one store. */
  emit(first: number, count: number): Promise<void>;
  /** Resolves when `total` events (counted from the start) have been handled. */
  handled(total: number): Promise<void>;
  /** Emit commit → handler commit, per event, since the last reset. */
  latencies: number[];
  stop(): Promise<void>;
}

async function startPipeline(db: Database, bus: EventBus, run: string): Promise<Pipeline> {
  const subscription = `bench-${run}.invoice.paid`;
  const committedAt = new Map<string, number>();
  /** Events handled before their producer returned from its commit: handled-at times. */
  const handledEarly = new Map<string, number>();
  const latencies: number[] = [];
  let handledCount = 0;
  let waiter: { total: number; resolve: () => void } | undefined;
  const count = (n: number) => {
    handledCount += n;
    if (waiter && handledCount >= waiter.total) waiter.resolve();
  };
  const seen = new Set<string>();
  const record = (deliveries: Delivery[]) => {
    const now = performance.now();
    let fresh = 0;
    for (const delivery of deliveries) {
      const eventId = delivery.attributes.event_id as string;
      // At-least-once: a redelivered event is neither counted nor timed twice.
      if (seen.has(eventId)) continue;
      seen.add(eventId);
      fresh++;
      const committed = committedAt.get(eventId);
      if (committed === undefined) handledEarly.set(eventId, now);
      else {
        committedAt.delete(eventId);
        latencies.push(now - committed);
      }
    }
    count(fresh);
  };
  const consumer = createConsumer({
    db,
    subscription,
    topic: 'invoice.paid',
    handle: async (envelope, { trx }) => {
      await insertEffect(trx, subscription, envelope);
    },
  });
  await bus.subscribe({
    ...consumer,
    deliver: async (delivery) => {
      await consumer.deliver(delivery);
      record([delivery]);
    },
    deliverBatch: async (deliveries) => {
      await consumer.deliverBatch?.(deliveries);
      record(deliveries);
    },
  });
  const outbox: Outbox = createOutbox({ db, bus, source: 'billing' });
  outbox.start();
  return {
    latencies,
    async emit(first, count) {
      const storeId = stores[Math.floor(first / EVENTS_PER_TRANSACTION) % STORES] as string;
      const eventIds = await outbox.withStore(storeId, async (_trx, emit) => {
        const ids: string[] = [];
        for (let seq = first; seq < first + count; seq++) {
          ids.push(
            await emit('invoice.paid', {
              store_id: storeId,
              invoice_id: crypto.randomUUID(),
              amount_cents: seq,
              paid_at: new Date().toISOString(),
            }),
          );
        }
        return ids;
      });
      const committed = performance.now();
      for (const eventId of eventIds) {
        const handled = handledEarly.get(eventId);
        if (handled === undefined) committedAt.set(eventId, committed);
        else {
          handledEarly.delete(eventId);
          latencies.push(Math.max(0, handled - committed));
        }
      }
    },
    handled(total) {
      if (handledCount >= total) return Promise.resolve();
      return new Promise((resolve) => {
        waiter = { total, resolve };
      });
    },
    stop: () => outbox.stop(),
  };
}

/** Producers commit as fast as they can; returns events/s end to end. */
async function throughput(pipeline: Pipeline, events: number, offset: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: PRODUCERS }, async () => {
      while (next < events) {
        const first = next;
        next = Math.min(events, next + EVENTS_PER_TRANSACTION);
        await pipeline.emit(offset + first, next - first);
      }
    }),
  );
  await pipeline.handled(offset + events);
  return events / ((performance.now() - started) / 1000);
}

/** Producers commit at `rate` events/s; returns p50/p99 of emit commit → handler commit. */
async function latency(pipeline: Pipeline, events: number, offset: number, rate: number) {
  pipeline.latencies.length = 0;
  const started = performance.now();
  const inFlight = new Set<Promise<void>>();
  for (let first = 0; first < events; first += EVENTS_PER_TRANSACTION) {
    const due = started + (first / rate) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const emitting = pipeline.emit(offset + first, Math.min(EVENTS_PER_TRANSACTION, events - first));
    inFlight.add(emitting);
    void emitting.finally(() => inFlight.delete(emitting));
  }
  await Promise.all(inFlight);
  await pipeline.handled(offset + events);
  const sorted = [...pipeline.latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
  return { p50Ms: at(0.5), p99Ms: at(0.99) };
}

interface Infra {
  db: Database;
  bus(): EventBus;
  close(): Promise<void>;
}

interface Driver {
  driver: 'pglite' | 'postgres';
  transport: 'memory' | 'pubsub';
  events: number;
  /** The infrastructure, or why this driver is skipped. */
  open(): Promise<Infra | string>;
}

function pgliteDriver(): Driver {
  return {
    driver: 'pglite',
    transport: 'memory',
    events: 5_000,
    async open() {
      // File-backed, as `npm start` runs it.
      const dataDir = mkdtempSync(path.join(tmpdir(), 'nlyzer-bus-bench-'));
      const db = await openDatabase({ dataDir });
      await migrate(db, [busMigrations, testMigrations]);
      return {
        db,
        bus: () => createInProcessBus(),
        async close() {
          await db.close();
          rmSync(dataDir, { recursive: true, force: true });
        },
      };
    },
  };
}

function postgresDriver(transport: 'memory' | 'pubsub'): Driver {
  return {
    driver: 'postgres',
    transport,
    events: 20_000,
    async open() {
      const postgres = await startPostgres().catch((err: Error) => err);
      if (postgres instanceof Error) return `Postgres 15 did not start (${postgres.message.split('\n')[0]})`;
      let emulator: Awaited<ReturnType<typeof startPubSubEmulator>> | undefined;
      if (transport === 'pubsub') {
        const started = await startPubSubEmulator().catch((err: Error) => err);
        if (started instanceof Error) {
          await postgres.stop();
          return `the Pub/Sub emulator did not start (${started.message.split('\n')[0]})`;
        }
        emulator = started;
      }
      const db = await openDatabase({ url: postgres.url, poolSize: POOL_SIZE });
      await migrate(db, [busMigrations, testMigrations]);
      const projectId = `bench-${crypto.randomUUID().slice(0, 8)}`;
      return {
        db,
        bus: () =>
          emulator
            ? createPubSubBus({ projectId, emulatorHost: emulator.host, ensureTopology: true })
            : createInProcessBus(),
        async close() {
          await db.close();
          await emulator?.stop();
          await postgres.stop();
        },
      };
    },
  };
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

const only = process.argv.slice(2);
const summaries: Record<string, unknown>[] = [];
for (const driver of [pgliteDriver(), postgresDriver('memory'), postgresDriver('pubsub')]) {
  const label = `${driver.driver}+${driver.transport}`;
  if (only.length > 0 && !only.includes(label)) continue;
  const infra = await driver.open();
  if (typeof infra === 'string') {
    console.log(`${label}: skipped, ${infra}`);
    continue;
  }
  const runs: { eventsPerS: number; rate: number; p50Ms: number; p99Ms: number }[] = [];
  try {
    for (let run = 0; run <= RUNS; run++) {
      const bus = infra.bus();
      const pipeline = await startPipeline(infra.db, bus, String(run));
      // Run 0 warms up (JIT, pool, topic and subscription creation) and is not counted.
      const events = run === 0 ? Math.min(2_000, driver.events) : driver.events;
      const eventsPerS = await throughput(pipeline, events, 0);
      const rate = Math.max(100, Math.round(eventsPerS / 2));
      const { p50Ms, p99Ms } = await latency(pipeline, Math.min(events, rate * 3), events, rate);
      await pipeline.stop();
      await bus.close();
      if (run === 0) continue;
      runs.push({ eventsPerS, rate, p50Ms, p99Ms });
      console.log(
        `${label} run ${run}: ${Math.round(eventsPerS)} events/s; at ${rate} events/s: p50 ${round(p50Ms)} ms, p99 ${round(p99Ms)} ms`,
      );
    }
  } finally {
    await infra.close();
  }
  summaries.push({
    bench: 'bus',
    driver: driver.driver,
    transport: driver.transport,
    events: driver.events,
    events_per_transaction: EVENTS_PER_TRANSACTION,
    events_per_s: Math.round(median(runs.map((r) => r.eventsPerS))),
    latency_at_events_per_s: median(runs.map((r) => r.rate)),
    p50_ms: round(median(runs.map((r) => r.p50Ms))),
    p99_ms: round(median(runs.map((r) => r.p99Ms))),
  });
}
for (const summary of summaries) console.log(JSON.stringify(summary));
