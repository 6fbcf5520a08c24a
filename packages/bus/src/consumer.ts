import { type Envelope, type TopicName, validateEnvelope } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { sql, type Transaction } from 'kysely';
import { runWithCorrelation } from './correlation.ts';
import { writeDeadLetter } from './dead-letters.ts';
import { BusError, errorMessage } from './errors.ts';
import type { Delivery, Emit, Outbox, SubscriptionSpec } from './event-bus.ts';
import { createGroupCommit } from './group-commit.ts';
import { type BusLogger, silentLogger } from './logger.ts';
import { TARGET_SUBSCRIPTION_ATTRIBUTE } from './message.ts';
import { type ConsumeOutcome, consumed, handlerDuration } from './metrics.ts';
import type { BusTables } from './tables.ts';

export interface ConsumerContext {
  /** The consumer's transaction: the handler's writes commit together with the dedup record. */
  trx: Transaction<any>;
  /** Emit follow-up events in the same transaction (needs the consumer's `outbox`). */
  emit: Emit;
}

export type ConsumerHandler<T extends TopicName = TopicName> = (
  envelope: Envelope<T>,
  ctx: ConsumerContext,
) => Promise<void>;

export interface Backoff {
  baseMs: number;
  maxMs: number;
}

export interface ConsumerOptions<T extends TopicName> {
  db: Database;
  /** `<service>.<topic>`, e.g. `billing.store.created`; also the Pub/Sub subscription id. */
  subscription: string;
  topic: T;
  handle: ConsumerHandler<T>;
  /** Handler attempts before the event is dead-lettered. */
  maxAttempts?: number;
  backoff?: Backoff;
  logger?: BusLogger;
  /** Needed only when the handler emits follow-up events. */
  outbox?: Outbox;
  /** Transactions this consumer runs at once; deliveries arriving meanwhile share the next one. */
  maxConcurrentTransactions?: number;
  /** Most events handled in one shared transaction. */
  maxEventsPerTransaction?: number;
}

type Decoded<T extends TopicName> = { ok: true; envelope: Envelope<T> } | { ok: false; reason: string };

/**
 * Records the events as processed (subscription, event_id) and returns the ids that were
 * new; in the same round trip, scopes the transaction to `storeId` the way `db.withStore`
 * does (the setting the store RLS policy reads, see @nlyzer/db's migrations). Repeats
 * within the list conflict with the first and count once.
 */
async function recordAndScope(
  trx: Transaction<any>,
  subscription: string,
  eventIds: string[],
  storeId: string | null,
): Promise<Set<string>> {
  // The scope is joined to every row of a non-empty list, so it is set even when all of them conflict.
  const { rows } = await sql<{ event_id: string }>`
    with scope as (select set_config('app.store_id', ${storeId ?? ''}, true))
    insert into bus.processed_events (subscription, event_id)
    select ${subscription}, event_id from unnest(${eventIds}::uuid[]) as fresh(event_id), scope
    on conflict do nothing
    returning event_id`.execute(trx);
  return new Set(rows.map((row) => row.event_id));
}

/** A shared transaction holding several stores' events rescopes before each store's handlers. */
async function scopeToStore(trx: Transaction<any>, storeId: string | null): Promise<void> {
  await sql`select set_config('app.store_id', ${storeId ?? ''}, true)`.execute(trx);
}

/**
 * Wraps a handler into a subscription that gives each event exactly one effect on top of
 * at-least-once delivery: the (subscription, event_id) record is written in the handler's
 * own transaction, so a redelivered or concurrently delivered duplicate finds it (a
 * concurrent one waits on the primary key until the first commits) and is acked without
 * effect. Failures roll back and retry with backoff, then land in `bus.dead_letters`.
 * Nothing a message contains can make it throw: only when even the dead letter cannot be
 * written (the database is down) is the delivery nacked for the transport to retry.
 */
export function createConsumer<T extends TopicName>(options: ConsumerOptions<T>): SubscriptionSpec {
  const {
    db,
    subscription,
    topic,
    handle,
    maxAttempts = 5,
    backoff = { baseMs: 100, maxMs: 30_000 },
    logger = silentLogger,
    outbox,
    maxConcurrentTransactions = 4,
    maxEventsPerTransaction = 200,
  } = options;
  const busDb = db.as<BusTables>();

  function decode(delivery: Delivery): Decoded<T> {
    let body: unknown;
    try {
      body = JSON.parse(delivery.data);
    } catch (err) {
      return { ok: false, reason: `message data is not JSON: ${errorMessage(err)}` };
    }
    const checked = validateEnvelope(body);
    if (!checked.ok) return { ok: false, reason: `invalid envelope: ${checked.errors.join('; ')}` };
    if (checked.value.event_type !== topic) {
      return {
        ok: false,
        reason: `event_type ${checked.value.event_type} does not belong on topic ${topic}`,
      };
    }
    return { ok: true, envelope: checked.value as Envelope<T> };
  }

  /**
   * One attempt over a list of events: their dedup records and handlers in one transaction,
   * each store's events in order. Events already recorded (and repeats within the list)
   * are duplicates and skip the handler. Throws (everything rolled back) if any handler does.
   */
  async function handleInOneTransaction(envelopes: Envelope<T>[]): Promise<void> {
    let emitted = false;
    const work = async (trx: Transaction<any>): Promise<ConsumeOutcome[]> => {
      let scopedTo = (envelopes[0] as Envelope<T>).store_id;
      const fresh = await recordAndScope(
        trx,
        subscription,
        envelopes.map((envelope) => envelope.event_id),
        scopedTo,
      );
      const outcomes: ConsumeOutcome[] = [];
      for (const envelope of envelopes) {
        if (!fresh.delete(envelope.event_id)) {
          outcomes.push('duplicate');
          continue;
        }
        if (envelope.store_id !== scopedTo) {
          await scopeToStore(trx, envelope.store_id);
          scopedTo = envelope.store_id;
        }
        const emitter = outbox?.emitIn(trx, envelope.store_id);
        const emit: Emit =
          emitter?.emit ??
          (() => {
            throw new BusError(
              'outbox_not_configured',
              `Consumer ${subscription} was created without an outbox`,
            );
          });
        const started = performance.now();
        try {
          await runWithCorrelation(
            { correlationId: envelope.correlation_id, causationId: envelope.event_id },
            () => handle(envelope, { trx, emit }),
          );
        } finally {
          handlerDuration.observe({ subscription }, (performance.now() - started) / 1000);
        }
        if (emitter && (await emitter.flush()) > 0) emitted = true;
        outcomes.push('processed');
      }
      return outcomes;
    };
    // A plain transaction: recordAndScope sets the store scope withStore would have set.
    const outcomes = await db.transaction(work);
    if (emitted) outbox?.kick();
    const counts = new Map<ConsumeOutcome, number>();
    for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    for (const [outcome, count] of counts) consumed.inc({ subscription, outcome }, count);
  }

  const groupCommit = createGroupCommit<Envelope<T>>({
    maxInFlight: maxConcurrentTransactions,
    maxItems: maxEventsPerTransaction,
    // Grouped by store so a shared transaction switches store as rarely as possible; each
    // submission (one ordering key's events) keeps its order.
    commit: (submissions) =>
      handleInOneTransaction(
        submissions
          .map((envelopes, index) => ({ envelopes, index }))
          .sort((a, b) => storeOrder(a.envelopes, b.envelopes) || a.index - b.index)
          .flatMap(({ envelopes }) => envelopes),
      ),
    onGroupFailed: (err, events) => {
      if (events > 1)
        logger.warn(
          { err, subscription, events },
          'shared transaction failed; handling its events one by one',
        );
    },
  });

  function retryDelayMs(attempt: number): number {
    const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (attempt - 1));
    // Jitter spreads retries of events that failed together (a dependency blip).
    return ceiling / 2 + Math.random() * (ceiling / 2);
  }

  /**
   * One event on its own: retries with backoff, then dead-letters; resolves either way.
   * `failedOnce`: an attempt already made (the event alone in a failed shared transaction).
   */
  async function handleAlone(
    envelope: Envelope<T>,
    raw: string,
    failedOnce?: { err: unknown },
  ): Promise<void> {
    let attempt = failedOnce ? 1 : 0;
    let lastError = failedOnce?.err;
    while (attempt < maxAttempts) {
      if (attempt > 0) {
        consumed.inc({ subscription, outcome: 'retried' });
        logger.warn(
          { err: lastError, subscription, eventId: envelope.event_id, attempt },
          'event handler failed; retrying',
        );
        await new Promise((resolve) => setTimeout(resolve, retryDelayMs(attempt)));
      }
      attempt++;
      try {
        await handleInOneTransaction([envelope]);
        return;
      } catch (err) {
        lastError = err;
      }
    }
    await writeDeadLetter(busDb, {
      subscription,
      topic,
      eventId: envelope.event_id,
      envelope,
      raw,
      reason: errorMessage(lastError),
      attempts: attempt,
    });
    consumed.inc({ subscription, outcome: 'dead_lettered' });
    logger.error(
      { err: lastError, subscription, eventId: envelope.event_id, attempt },
      'event dead-lettered after its last attempt',
    );
  }

  /** The envelope to handle, or undefined when the delivery was dead-lettered or is not for us. */
  async function accept(delivery: Delivery): Promise<{ envelope: Envelope<T>; raw: string } | undefined> {
    const decoded = decode(delivery);
    if (!decoded.ok) {
      await writeDeadLetter(busDb, {
        subscription,
        topic,
        eventId: null,
        envelope: null,
        raw: delivery.data,
        reason: decoded.reason,
        attempts: 0,
      });
      consumed.inc({ subscription, outcome: 'dead_lettered' });
      logger.warn(
        { subscription, messageId: delivery.messageId, reason: decoded.reason },
        'malformed event dead-lettered',
      );
      return undefined;
    }
    const target = delivery.attributes[TARGET_SUBSCRIPTION_ATTRIBUTE];
    if (target !== undefined && target !== subscription) {
      consumed.inc({ subscription, outcome: 'skipped' });
      return undefined;
    }
    return { envelope: decoded.envelope, raw: delivery.data };
  }

  /**
   * Deliveries (one, or one ordering key's backlog, in order) go into a shared transaction
   * first; if it fails, all of it rolls back and each event is handled alone, with its own
   * retries, so one poisoned event never takes others down with it.
   */
  async function deliverBatch(deliveries: Delivery[]): Promise<void> {
    const accepted = [];
    for (const delivery of deliveries) {
      const event = await accept(delivery);
      if (event) accepted.push(event);
    }
    if (accepted.length === 0) return;
    const failure = await groupCommit.submit(accepted.map(({ envelope }) => envelope));
    if (!failure) return;
    const [only] = accepted;
    if (only && accepted.length === 1 && !failure.shared)
      return handleAlone(only.envelope, only.raw, failure);
    for (const { envelope, raw } of accepted) await handleAlone(envelope, raw);
  }

  return { name: subscription, topic, deliver: (delivery) => deliverBatch([delivery]), deliverBatch };
}

function storeOrder(
  a: readonly { store_id: string | null }[],
  b: readonly { store_id: string | null }[],
): number {
  const left = a[0]?.store_id ?? '';
  const right = b[0]?.store_id ?? '';
  return left < right ? -1 : left > right ? 1 : 0;
}
