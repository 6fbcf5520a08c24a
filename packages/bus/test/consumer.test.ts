import { createEnvelope, type Envelope } from '@nlyzer/contracts';
import type { TestDatabase } from '@nlyzer/testing';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsumerHandler,
  createConsumer,
  createOutbox,
  type Delivery,
  type EventBus,
  listDeadLetters,
  type Outbox,
  replayDeadLetter,
  type SubscriptionSpec,
} from '../src/index.ts';
import {
  effectsOf,
  insertEffect,
  invoicePaid,
  openTestBus,
  openTestDatabase,
  rawPubSub,
  sleep,
  type TestTables,
  waitFor,
} from './harness.ts';

const fastBackoff = { baseMs: 5, maxMs: 20 };

function deliveryOf(envelope: unknown, attributes: Record<string, string> = {}): Delivery {
  return { data: JSON.stringify(envelope), messageId: crypto.randomUUID(), attributes };
}

describe('idempotent consumer', () => {
  let database: TestDatabase<TestTables>;
  let bus: EventBus;
  let outbox: Outbox | undefined;

  beforeAll(async () => {
    database = await openTestDatabase();
  }, 60_000);
  afterAll(async () => {
    await database?.cleanup();
  });
  afterEach(async () => {
    await outbox?.stop();
    outbox = undefined;
    await bus?.close();
  });

  /** A handler whose effect is one row; `fail` decides, per call, whether it throws after writing. */
  function recordEffect(subscription: string, options: { fail?: () => boolean; holdMs?: number } = {}) {
    const handle: ConsumerHandler<'invoice.paid'> = async (envelope, { trx }) => {
      await insertEffect(trx, subscription, envelope);
      if (options.holdMs) await sleep(options.holdMs);
      if (options.fail?.()) throw new Error('payment provider down');
    };
    return handle;
  }

  /** Subscribes a spec, counting deliveries it finished (acked). */
  async function subscribeCounting(spec: SubscriptionSpec): Promise<{ acked: number }> {
    const counter = { acked: 0 };
    await bus.subscribe({
      ...spec,
      deliver: async (delivery) => {
        await spec.deliver(delivery);
        counter.acked++;
      },
      deliverBatch: async (deliveries) => {
        await spec.deliverBatch?.(deliveries);
        counter.acked += deliveries.length;
      },
    });
    return counter;
  }

  it('gives an event delivered twice one effect', async () => {
    bus = openTestBus();
    const subscription = 'dup.invoice.paid';
    const spec = createConsumer({
      db: database.db,
      subscription,
      topic: 'invoice.paid',
      handle: recordEffect(subscription),
    });
    const counter = await subscribeCounting(spec);
    const envelope = invoicePaid(crypto.randomUUID(), 1);
    await bus.publish([envelope]);
    await bus.publish([envelope]);
    await waitFor(async () => counter.acked === 2, 'both deliveries');
    expect(await effectsOf(database, subscription, [envelope.store_id as string])).toHaveLength(1);
  });

  it('gives an event delivered twice concurrently one effect', async () => {
    const subscription = 'concurrent.invoice.paid';
    // The first transaction holds its dedup row while the second arrives.
    const spec = createConsumer({
      db: database.db,
      subscription,
      topic: 'invoice.paid',
      handle: recordEffect(subscription, { holdMs: 100 }),
    });
    const envelope = invoicePaid(crypto.randomUUID(), 1);
    await Promise.all([spec.deliver(deliveryOf(envelope)), spec.deliver(deliveryOf(envelope))]);
    expect(await effectsOf(database, subscription, [envelope.store_id as string])).toHaveLength(1);
    const processed = await database.db.kysely
      .selectFrom('bus.processed_events')
      .select('event_id')
      .where('subscription', '=', subscription)
      .execute();
    expect(processed).toEqual([{ event_id: envelope.event_id }]);
  });

  it("handles a store's backlog in one batch with one effect per event, isolating a failing event", async () => {
    const subscription = 'batch.invoice.paid';
    const spec = createConsumer({
      db: database.db,
      subscription,
      topic: 'invoice.paid',
      maxAttempts: 2,
      backoff: fastBackoff,
      handle: recordEffect(subscription),
    });
    const storeId = crypto.randomUUID();
    const [one, two, three] = [invoicePaid(storeId, 1), invoicePaid(storeId, 2), invoicePaid(storeId, 3)];
    await spec.deliverBatch?.([deliveryOf(one), deliveryOf(two), deliveryOf(two), deliveryOf(three)]);
    expect((await effectsOf(database, subscription, [storeId])).map((row) => row.seq)).toEqual([1, 2, 3]);

    // A poisoned event rolls the batch back; the others still take effect once, in order.
    const poisoned = invoicePaid(storeId, 5);
    const poisonedSpec = createConsumer({
      db: database.db,
      subscription,
      topic: 'invoice.paid',
      maxAttempts: 2,
      backoff: fastBackoff,
      handle: async (envelope, ctx) => {
        if (envelope.event_id === poisoned.event_id) throw new Error('poisoned');
        await recordEffect(subscription)(envelope, ctx);
      },
    });
    const four = invoicePaid(storeId, 4);
    const six = invoicePaid(storeId, 6);
    await poisonedSpec.deliverBatch?.([
      deliveryOf(three),
      deliveryOf(four),
      deliveryOf(poisoned),
      deliveryOf(six),
    ]);
    expect((await effectsOf(database, subscription, [storeId])).map((row) => row.seq)).toEqual([
      1, 2, 3, 4, 6,
    ]);
    const [letter] = await listDeadLetters(database.db, { subscription });
    expect(letter).toMatchObject({ eventId: poisoned.event_id, reason: 'poisoned', attempts: 2 });
    // Replays of the whole backlog are duplicates only.
    await spec.deliverBatch?.([deliveryOf(one), deliveryOf(two), deliveryOf(four), deliveryOf(six)]);
    expect(await effectsOf(database, subscription, [storeId])).toHaveLength(5);
  });

  it("shares a transaction between stores' events under load, each handler scoped to its store", async () => {
    const subscription = 'shared.invoice.paid';
    const transactionOf = new Map<string, string>();
    const record = recordEffect(subscription);
    const spec = createConsumer({
      db: database.db,
      subscription,
      topic: 'invoice.paid',
      // One transaction at a time: what arrives while it runs shares the next one.
      maxConcurrentTransactions: 1,
      handle: async (envelope, ctx) => {
        const { rows } = await sql<{ txid: string }>`select txid_current()::text as txid`.execute(ctx.trx);
        transactionOf.set(envelope.store_id as string, rows[0]?.txid as string);
        // The effects table's RLS rejects a row for any store but the one in scope.
        await record(envelope, ctx);
      },
    });
    const storeIds = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    await Promise.all(storeIds.map((storeId, i) => spec.deliver(deliveryOf(invoicePaid(storeId, i)))));
    expect((await effectsOf(database, subscription, storeIds)).map((row) => row.seq)).toEqual([0, 1, 2]);
    const [first, second, third] = storeIds.map((storeId) => transactionOf.get(storeId));
    expect(second).toBe(third);
    expect(first).not.toBe(second);
  });

  it('dead-letters a failing event after its attempts; a replay takes effect once', async () => {
    bus = openTestBus();
    outbox = createOutbox({ db: database.db, bus, source: 'billing', intervalMs: 50 });
    outbox.start();
    const failing = 'failing.invoice.paid';
    const healthy = 'healthy.invoice.paid';
    let broken = true;
    let calls = 0;
    await bus.subscribe(
      createConsumer({
        db: database.db,
        subscription: failing,
        topic: 'invoice.paid',
        maxAttempts: 3,
        backoff: fastBackoff,
        handle: recordEffect(failing, {
          fail: () => {
            calls++;
            return broken;
          },
        }),
      }),
    );
    const healthyCounter = await subscribeCounting(
      createConsumer({
        db: database.db,
        subscription: healthy,
        topic: 'invoice.paid',
        handle: recordEffect(healthy),
      }),
    );
    const envelope = invoicePaid(crypto.randomUUID(), 7);
    const storeIds = [envelope.store_id as string];
    await bus.publish([envelope]);

    const [letter] = await waitFor(async () => {
      const letters = await listDeadLetters(database.db, { subscription: failing });
      return letters.length > 0 && letters;
    }, 'the dead letter');
    expect(letter).toMatchObject({
      subscription: failing,
      topic: 'invoice.paid',
      eventId: envelope.event_id,
      envelope,
      reason: 'payment provider down',
      attempts: 3,
      replayedAt: null,
    });
    expect(calls).toBe(3);
    expect(await effectsOf(database, failing, storeIds)).toHaveLength(0);
    await waitFor(async () => healthyCounter.acked === 1, 'the healthy subscription');

    broken = false;
    await expect(replayDeadLetter(database.db, letter?.id as number)).resolves.toEqual({
      eventId: envelope.event_id,
    });
    await waitFor(
      async () => (await effectsOf(database, failing, storeIds)).length === 1,
      'the replayed effect',
    );
    // The replay is addressed to the failing subscription: the healthy one acks it unseen.
    await waitFor(async () => healthyCounter.acked === 2, 'the healthy subscription skipping the replay');
    expect(await effectsOf(database, healthy, storeIds)).toHaveLength(1);

    await expect(replayDeadLetter(database.db, letter?.id as number)).rejects.toMatchObject({
      code: 'dead_letter_already_replayed',
    });
    await expect(replayDeadLetter(database.db, 987_654)).rejects.toMatchObject({
      code: 'dead_letter_not_found',
    });
    await outbox.flush();
    await sleep(200);
    expect(await effectsOf(database, failing, storeIds)).toHaveLength(1);
    expect(await listDeadLetters(database.db, { subscription: failing })).toEqual([]);
    expect(await listDeadLetters(database.db, { subscription: failing, includeReplayed: true })).toEqual([
      expect.objectContaining({ id: letter?.id, replayedAt: expect.any(Date) }),
    ]);
  });

  it('dead-letters malformed messages and goes on with the next good one', async () => {
    bus = openTestBus();
    const subscription = 'malformed.invoice.paid';
    const spec = createConsumer({
      db: database.db,
      subscription,
      topic: 'invoice.paid',
      handle: recordEffect(subscription),
    });
    const counter = await subscribeCounting(spec);
    const storeId = crypto.randomUUID();
    const good = invoicePaid(storeId, 1);
    const { correlation_id: _dropped, ...noCorrelation } = invoicePaid(storeId, 2);
    const badPayload = invoicePaid(storeId, 3) as unknown as { payload: Record<string, unknown> };
    badPayload.payload.amount_cents = 'lots';

    const raw = rawPubSub();
    if (raw) {
      // Not JSON, on the wire, with the store's ordering key like the real events.
      await raw
        .topic('invoice.paid', { messageOrdering: true })
        .publishMessage({ data: Buffer.from('not json {'), orderingKey: storeId });
      await raw.close();
    } else {
      await spec.deliver({ data: 'not json {', messageId: 'garbage', attributes: {} });
    }
    await bus.publish([noCorrelation as Envelope, badPayload as unknown as Envelope, good]);
    await waitFor(
      async () => (await effectsOf(database, subscription, [storeId])).length === 1,
      'the good event',
    );
    await waitFor(async () => counter.acked >= (raw ? 4 : 3), 'every delivery acked');
    // Delivered straight to the consumer: a valid envelope, but of another topic.
    const otherTopic = createEnvelope(
      'store.tier_changed',
      { store_id: storeId, from_tier: 'starter', to_tier: 'growth', changed_by_user_id: crypto.randomUUID() },
      { source: 'gateway', correlationId: 'misrouted' },
    );
    await spec.deliver(deliveryOf(otherTopic));

    const letters = await listDeadLetters(database.db, { subscription });
    const reasons = letters.map((letter) => letter.reason).reverse();
    expect(reasons).toEqual([
      expect.stringContaining('not JSON'),
      expect.stringContaining('/correlation_id: is required'),
      expect.stringContaining('/payload/amount_cents'),
      'event_type store.tier_changed does not belong on topic invoice.paid',
    ]);
    expect(letters.every((letter) => letter.envelope === null && letter.attempts === 0)).toBe(true);
    expect(letters.at(-1)?.raw).toBe('not json {');
    await expect(replayDeadLetter(database.db, letters.at(-1)?.id as number)).rejects.toMatchObject({
      code: 'dead_letter_not_replayable',
    });
    expect(await effectsOf(database, subscription, [storeId])).toEqual([
      { event_id: good.event_id, store_id: storeId, seq: 1 },
    ]);
  });

  it('emits follow-up events atomically with the handling, caused by the consumed event', async () => {
    bus = openTestBus();
    outbox = createOutbox({ db: database.db, bus, source: 'gateway', intervalMs: 50 });
    outbox.start();
    const followUps: Envelope[] = [];
    await bus.subscribe({
      name: 'followups.store.tier_changed',
      topic: 'store.tier_changed',
      deliver: async (delivery) => {
        followUps.push(JSON.parse(delivery.data));
      },
    });
    let attempts = 0;
    await bus.subscribe(
      createConsumer({
        db: database.db,
        subscription: 'gateway.invoice.paid',
        topic: 'invoice.paid',
        backoff: fastBackoff,
        outbox,
        handle: async (envelope, { emit }) => {
          await emit('store.tier_changed', {
            store_id: envelope.store_id as string,
            from_tier: 'starter',
            to_tier: 'growth',
            changed_by_user_id: crypto.randomUUID(),
          });
          // The first attempt's event is rolled back with it.
          if (++attempts === 1) throw new Error('transient');
        },
      }),
    );
    const envelope = invoicePaid(crypto.randomUUID(), 1);
    await bus.publish([envelope]);
    await waitFor(async () => followUps.length > 0, 'the follow-up event');
    await outbox.flush();
    await sleep(200);
    expect(attempts).toBe(2);
    expect(followUps).toHaveLength(1);
    expect(followUps[0]).toMatchObject({
      event_type: 'store.tier_changed',
      store_id: envelope.store_id,
      source: 'gateway',
      correlation_id: envelope.correlation_id,
      causation_id: envelope.event_id,
    });
  });

  it('handles platform events (no store) in a plain transaction', async () => {
    bus = openTestBus();
    const subscription = 'platform.analysis.completed';
    const counter = await subscribeCounting(
      createConsumer({
        db: database.db,
        subscription,
        topic: 'analysis.completed',
        handle: async (envelope, { trx }) => {
          await trx
            .insertInto('bus_test.platform_effects')
            .values({ subscription, event_id: envelope.event_id })
            .execute();
        },
      }),
    );
    const envelope = createEnvelope(
      'analysis.completed',
      {
        run_id: crypto.randomUUID(),
        job: 'daily-analysis',
        stores_analyzed: 3,
        insights_generated: 1,
        duration_ms: 120,
      },
      { source: 'intelligence', correlationId: 'job-run' },
    );
    expect(envelope.store_id).toBeNull();
    await bus.publish([envelope, envelope]);
    await waitFor(async () => counter.acked === 2, 'both deliveries');
    const rows = await database.db.kysely
      .selectFrom('bus_test.platform_effects')
      .select('event_id')
      .where('subscription', '=', subscription)
      .execute();
    expect(rows).toEqual([{ event_id: envelope.event_id }]);
  });
});
