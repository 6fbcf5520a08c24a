import type { EventEnvelope, ServiceName } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { sql, type Transaction } from 'kysely';
import { createEmitter } from './emit.ts';
import type { Emit, EmitContext, EventBus, Outbox } from './event-bus.ts';
import { type BusLogger, silentLogger } from './logger.ts';
import { outboxPublished, relayBatchDuration } from './metrics.ts';
import type { BusTables } from './tables.ts';

export interface OutboxOptions {
  db: Database;
  bus: EventBus;
  /** The publishing service: the envelopes' `source`, checked against each topic's publisher. */
  source: ServiceName;
  logger?: BusLogger;
  /** Rows claimed, published and deleted per relay transaction. */
  batchSize?: number;
  /** Period of the relay's sweep for rows nobody kicked (a process died after commit). */
  intervalMs?: number;
  /**
   * Only write rows: a one-shot CLI command beside a running platform leaves publishing
   * to that platform's relay, whose bus has the subscribers (this process's has none).
   */
  writeOnly?: boolean;
}

/**
 * Per-store order: rows are published in id order among the committed ones. An event that
 * depends on another's state change is emitted by a transaction that saw that change
 * committed, so it has a later id and never overtakes it. Only one relay drains the outbox
 * at a time, across every process sharing the database: two relays working on
 * neighbouring batches would race each other to the bus and could swap one store's events. The lock is
 * transaction-scoped, so a relay that dies mid-batch releases it with its connection and
 * its claimed rows are still there for the next one. A relay that finds the lock taken
 * retries shortly: the holder may have read the table just before our rows committed.
 */
const RELAY_LOCK = 'nlyzer.bus.outbox-relay';
const LOCK_BUSY_RETRY_MS = 50;

type BatchResult = { published: number } | 'busy';
type ClaimedRow = { id: number; envelope: EventEnvelope; attributes: Record<string, string> };

export function createOutbox(options: OutboxOptions): Outbox {
  const { db, bus, source, logger = silentLogger, batchSize = 500, intervalMs = 1000 } = options;
  const busDb = db.as<BusTables>();
  let draining: Promise<BatchResult> | undefined;
  let drainAgain = false;
  let sweepTimer: NodeJS.Timeout | undefined;
  let busyRetryTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  /** Claims, publishes and deletes one batch in one transaction: a failed publish leaves the rows. */
  async function relayBatch(): Promise<BatchResult> {
    const started = performance.now();
    const result = await busDb.transaction(async (trx): Promise<BatchResult> => {
      // One round trip: the lock is a one-time filter evaluated before any row is claimed,
      // and the left join reports it even when nothing was claimed.
      const { rows } = await sql<{ locked: boolean } & (ClaimedRow | { [K in keyof ClaimedRow]: null })>`
        with relay_lock as materialized (
          select pg_try_advisory_xact_lock(hashtext(${RELAY_LOCK})) as locked
        ),
        claimed as (
          delete from bus.outbox where id in (
            select id from bus.outbox where (select locked from relay_lock)
            order by id limit ${batchSize} for update skip locked
          )
          returning id, envelope, attributes
        )
        select relay_lock.locked, claimed.id, claimed.envelope, claimed.attributes
        from relay_lock left join claimed on true`.execute(trx);
      if (!rows[0]?.locked) return 'busy';
      const claimed = rows.filter((row): row is { locked: boolean } & ClaimedRow => row.id !== null);
      if (claimed.length === 0) return { published: 0 };
      claimed.sort((a, b) => a.id - b.id);
      await publishInOrder(claimed);
      return { published: claimed.length };
    });
    if (result !== 'busy' && result.published > 0) {
      relayBatchDuration.observe((performance.now() - started) / 1000);
    }
    return result;
  }

  /**
   * Rows with different attributes (replays carry a target subscription) go out in
   * separate publish calls; consecutive runs keep the id order.
   */
  async function publishInOrder(rows: { envelope: EventEnvelope; attributes: Record<string, string> }[]) {
    let start = 0;
    while (start < rows.length) {
      const key = JSON.stringify(rows[start]?.attributes);
      let end = start + 1;
      while (end < rows.length && JSON.stringify(rows[end]?.attributes) === key) end++;
      const run = rows.slice(start, end);
      await bus.publish(
        run.map((row) => row.envelope),
        run[0]?.attributes,
      );
      start = end;
    }
    const perTopic = new Map<string, number>();
    for (const { envelope } of rows)
      perTopic.set(envelope.event_type, (perTopic.get(envelope.event_type) ?? 0) + 1);
    for (const [topic, count] of perTopic) outboxPublished.inc({ topic }, count);
  }

  async function drainUntilEmpty(): Promise<BatchResult> {
    for (;;) {
      const result = await relayBatch();
      if (result === 'busy' || result.published < batchSize) return result;
    }
  }

  /** Single flight: a kick during a drain makes that drain go round once more. */
  function drain(): Promise<BatchResult> {
    if (draining) {
      drainAgain = true;
      return draining;
    }
    draining = (async () => {
      let result: BatchResult;
      do {
        drainAgain = false;
        result = await drainUntilEmpty();
      } while (drainAgain && result !== 'busy');
      return result;
    })().finally(() => {
      draining = undefined;
    });
    return draining;
  }

  function kick(): void {
    if (stopped || options.writeOnly) return;
    drain().then(
      (result) => {
        if (result === 'busy' && !busyRetryTimer && !stopped) {
          busyRetryTimer = setTimeout(() => {
            busyRetryTimer = undefined;
            kick();
          }, LOCK_BUSY_RETRY_MS);
        }
      },
      (err: unknown) => logger.error({ err }, 'outbox relay failed; rows stay for the next sweep'),
    );
  }

  async function transactionWithEmit<R>(
    run: (fn: (trx: Transaction<any>) => Promise<R>) => Promise<R>,
    storeId: string | null | undefined,
    fn: (trx: Transaction<any>, emit: Emit) => Promise<R>,
    ctx: EmitContext | undefined,
  ): Promise<R> {
    let written = 0;
    const result = await run(async (trx) => {
      const emitter = createEmitter(trx, { source, storeId, ctx });
      const value = await fn(trx, emitter.emit);
      written = await emitter.flush();
      return value;
    });
    if (written > 0) kick();
    return result;
  }

  return {
    withStore: (storeId, fn, ctx) =>
      transactionWithEmit((work) => db.withStore(storeId, work), storeId, fn, ctx),
    transaction: (fn, ctx) => transactionWithEmit((work) => db.transaction(work), undefined, fn, ctx),
    emitIn: (trx, storeId, ctx) => createEmitter(trx, { source, storeId, ctx }),
    start() {
      if (sweepTimer || stopped) return;
      sweepTimer = setInterval(kick, intervalMs);
      // The sweep alone never keeps a process alive.
      sweepTimer.unref();
      kick();
    },
    kick,
    async flush() {
      if (options.writeOnly) return;
      // Wait out another relay holding the lock: flush promises everything committed
      // before it was called has been published, by us or by that relay.
      while ((await drain()) === 'busy') {
        await new Promise((resolve) => setTimeout(resolve, LOCK_BUSY_RETRY_MS));
      }
    },
    async stop() {
      stopped = true;
      clearInterval(sweepTimer);
      clearTimeout(busyRetryTimer);
      sweepTimer = undefined;
      await draining?.catch(() => {});
    },
  };
}
