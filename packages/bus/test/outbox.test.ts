import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Envelope } from '@nlyzer/contracts';
import { migrate, openDatabase } from '@nlyzer/db';
import type { TestDatabase } from '@nlyzer/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  busMigrations,
  createConsumer,
  createOutbox,
  type EventBus,
  type Outbox,
  runWithCorrelation,
} from '../src/index.ts';
import {
  effectsOf,
  insertEffect,
  openTestBus,
  openTestDatabase,
  sleep,
  type TestTables,
  testMigrations,
  waitFor,
} from './harness.ts';

const paid = (storeId: string, seq: number) => ({
  store_id: storeId,
  invoice_id: crypto.randomUUID(),
  amount_cents: seq,
  paid_at: new Date().toISOString(),
});

describe('transactional outbox', () => {
  let database: TestDatabase<TestTables>;
  let bus: EventBus;
  let outboxes: Outbox[] = [];

  beforeAll(async () => {
    database = await openTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await database?.cleanup();
  });
  afterEach(async () => {
    for (const outbox of outboxes) await outbox.stop();
    outboxes = [];
    await bus?.close();
  });

  function openOutbox(options: { batchSize?: number } = {}): Outbox {
    const outbox = createOutbox({ db: database.db, bus, source: 'billing', intervalMs: 100, ...options });
    outboxes.push(outbox);
    return outbox;
  }

  async function outboxRows(): Promise<number> {
    const rows = await database.db.kysely.selectFrom('bus.outbox').select('id').execute();
    return rows.length;
  }

  /** Collects the envelopes a subscription receives. */
  async function collect(subscription: string): Promise<Envelope<'invoice.paid'>[]> {
    const received: Envelope<'invoice.paid'>[] = [];
    await bus.subscribe({
      name: subscription,
      topic: 'invoice.paid',
      deliver: async (delivery) => {
        received.push(JSON.parse(delivery.data));
      },
    });
    return received;
  }

  it('publishes an emitted event after commit, with the correlation in force', async () => {
    bus = openTestBus();
    const received = await collect('emit.invoice.paid');
    const outbox = openOutbox();
    const storeId = crypto.randomUUID();
    const eventId = await runWithCorrelation({ correlationId: 'req-42', causationId: null }, () =>
      outbox.withStore(storeId, (_trx, emit) => emit('invoice.paid', paid(storeId, 1))),
    );
    const [envelope] = await waitFor(async () => received.length > 0 && received, 'the event');
    expect(envelope).toMatchObject({
      event_id: eventId,
      event_type: 'invoice.paid',
      store_id: storeId,
      source: 'billing',
      correlation_id: 'req-42',
      causation_id: null,
    });
    expect(await outboxRows()).toBe(0);
  });

  it('takes correlation and causation from the emit context', async () => {
    bus = openTestBus();
    const received = await collect('context.invoice.paid');
    const outbox = openOutbox();
    const storeId = crypto.randomUUID();
    const causationId = crypto.randomUUID();
    await outbox.withStore(storeId, (_trx, emit) => emit('invoice.paid', paid(storeId, 1)), {
      correlationId: 'job-7',
      causationId,
    });
    const [envelope] = await waitFor(async () => received.length > 0 && received, 'the event');
    expect(envelope).toMatchObject({ correlation_id: 'job-7', causation_id: causationId });
  });

  it('refuses invalid events before they reach the outbox', async () => {
    bus = openTestBus();
    const outbox = openOutbox();
    const storeId = crypto.randomUUID();
    const attempts = await outbox.withStore(storeId, async (_trx, emit) => {
      const errors: unknown[] = [];
      const tries = [
        () => emit('invoice.paid', { ...paid(storeId, 1), amount_cents: -5 }),
        () => emit('invoice.paid', { ...paid(storeId, 1), store_id: crypto.randomUUID() }),
        () => emit('invoice.paid', { ...paid(storeId, 1), extra: true } as never),
        () => emit('no.such_topic' as never, {} as never),
        () => emit('store.created' as never, {} as never),
      ];
      for (const attempt of tries) await attempt().catch((err: unknown) => errors.push(err));
      return errors;
    });
    expect(attempts.map((err) => (err as { code: string }).code)).toEqual([
      'invalid_event',
      'invalid_event',
      'invalid_event',
      'unknown_topic',
      'publisher_not_allowed',
    ]);
    expect((attempts[0] as { errors: string[] }).errors).toEqual([
      expect.stringContaining('/payload/amount_cents'),
    ]);
    expect(await outboxRows()).toBe(0);
  });

  it('publishes nothing when the transaction rolls back', async () => {
    bus = openTestBus();
    const received = await collect('rollback.invoice.paid');
    const outbox = openOutbox();
    const storeId = crypto.randomUUID();
    await expect(
      outbox.withStore(storeId, async (_trx, emit) => {
        await emit('invoice.paid', paid(storeId, 1));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await outbox.withStore(storeId, (_trx, emit) => emit('invoice.paid', paid(storeId, 2)));
    await outbox.flush();
    await waitFor(async () => received.length > 0, 'the committed event');
    await sleep(100);
    expect(received.map((envelope) => envelope.payload.amount_cents)).toEqual([2]);
  });

  it('delivers an event whose process was killed between commit and publish', async () => {
    bus = openTestBus();
    const storeId = crypto.randomUUID();
    const dataDir = database.url ? undefined : mkdtempSync(path.join(tmpdir(), 'nlyzer-bus-crash-'));
    const child = spawn(
      process.execPath,
      [
        fileURLToPath(new URL('./emit-then-die.ts', import.meta.url)),
        JSON.stringify({ url: database.url, dataDir, storeId }),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    const signal = await new Promise((resolve) => child.once('exit', (_code, killedBy) => resolve(killedBy)));
    expect(signal).toBe('SIGKILL');
    const { eventId } = JSON.parse(output) as { eventId: string };

    // The restarted service: on PGlite it reopens the crashed process's data directory.
    const restarted = database.url
      ? database.db
      : await openDatabase<TestTables>({ dataDir: dataDir as string });
    try {
      if (!database.url) await migrate(restarted, [busMigrations, testMigrations]);
      const subscription = 'crash.invoice.paid';
      await bus.subscribe(
        createConsumer({
          db: restarted,
          subscription,
          topic: 'invoice.paid',
          handle: async (envelope, { trx }) => {
            await insertEffect(trx, subscription, envelope);
          },
        }),
      );
      const outbox = createOutbox({ db: restarted, bus, source: 'billing', intervalMs: 50 });
      outboxes.push(outbox);
      outbox.start();
      const restartedDb = { ...database, db: restarted };
      await waitFor(
        async () => (await effectsOf(restartedDb, subscription, [storeId])).length > 0,
        'the delivery',
      );
      await outbox.flush();
      await sleep(200);
      expect(await effectsOf(restartedDb, subscription, [storeId])).toEqual([
        { event_id: eventId, store_id: storeId, seq: 4200 },
      ]);
    } finally {
      if (!database.url) {
        for (const outbox of outboxes) await outbox.stop();
        outboxes = [];
        await bus.close();
        await restarted.close();
        rmSync(dataDir as string, { recursive: true, force: true });
      }
    }
  }, 90_000);

  it('keeps each store in order: 200 events across 4 stores, two relays draining', async () => {
    bus = openTestBus();
    const stores = Array.from({ length: 4 }, () => crypto.randomUUID());
    const subscription = 'order.invoice.paid';
    await bus.subscribe(
      createConsumer({
        db: database.db,
        subscription,
        topic: 'invoice.paid',
        handle: async (envelope, { trx }) => {
          if (envelope.payload.amount_cents % 7 === 0) await sleep(3);
          await insertEffect(trx, subscription, envelope);
        },
      }),
    );
    // Two relays over one database, as with two instances of a service; small batches so
    // they take turns.
    const relays = [openOutbox({ batchSize: 16 }), openOutbox({ batchSize: 16 })];
    for (const relay of relays) relay.start();
    for (let round = 0; round < 10; round++) {
      // Five events per store per round, each in its own transaction, stores interleaved.
      await Promise.all(
        stores.map(async (storeId, index) => {
          for (let i = 0; i < 5; i++) {
            const seq = round * 5 + i;
            const relay = relays[(seq + index) % 2] as Outbox;
            await relay.withStore(storeId, (_trx, emit) => emit('invoice.paid', paid(storeId, seq)));
          }
        }),
      );
    }
    await Promise.all(relays.map((relay) => relay.flush()));
    const effects = await waitFor(async () => {
      const rows = await effectsOf(database, subscription, stores);
      return rows.length === 200 && rows;
    }, 'all 200 effects');
    for (const storeId of stores) {
      const sequence = effects.filter((row) => row.store_id === storeId).map((row) => row.seq);
      expect(sequence).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
  });
});
