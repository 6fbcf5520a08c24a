import type { EventEnvelope, TopicName, TopicPayload } from '@nlyzer/contracts';
import type { Transaction } from 'kysely';

export type BusDriver = 'memory' | 'pubsub';

/** What a transport hands a consumer: the raw message and its delivery metadata. */
export interface Delivery {
  /**
   * The message data as UTF-8 text, not yet parsed: a malformed message must still reach
   * the consumer so it can be dead-lettered with its raw content.
   */
  data: string;
  /** Pub/Sub message id, or a synthetic one for the in-process bus. */
  messageId: string;
  orderingKey?: string;
  /** Attributes sent with the message (e.g. replay target subscription). */
  attributes: Record<string, string>;
}

export interface SubscriptionSpec {
  /** Unique subscription id, `<service>.<topic>` by convention (e.g. `billing.store.created`). */
  name: string;
  topic: TopicName;
  /**
   * Resolve to ack, reject to nack. The consumer layer (createConsumer) wraps this with
   * validation, idempotency, retries and dead-lettering; transports only deliver.
   */
  deliver(delivery: Delivery): Promise<void>;
  /**
   * Optional: several consecutive deliveries of one ordering key at once, in order (a
   * backlog handled in one transaction). Resolve = ack all, reject = nack all.
   */
  deliverBatch?(deliveries: Delivery[]): Promise<void>;
}

/** One interface, two adapters: in-process (embedded) and Google Pub/Sub. */
export interface EventBus {
  readonly driver: BusDriver;
  /** Publish validated envelopes; resolves once the transport has accepted them. */
  publish(envelopes: EventEnvelope[], attributes?: Record<string, string>): Promise<void>;
  subscribe(spec: SubscriptionSpec): Promise<void>;
  ping(): Promise<void>;
  /** Stop intake, wait for in-flight deliveries, release resources. */
  close(): Promise<void>;
}

/** Emit an event inside the caller's transaction (written to the outbox table). Returns its event_id. */
export type Emit = <T extends TopicName>(topic: T, payload: TopicPayload<T>) => Promise<string>;

export interface Emitter {
  emit: Emit;
  /** Writes the events emitted so far to the outbox (one insert); returns how many. */
  flush(): Promise<number>;
}

export interface EmitContext {
  /** Defaults to the current correlation context (request id or the consumed event's correlation id). */
  correlationId?: string;
  /** Defaults to the event being handled, if any. */
  causationId?: string | null;
}

/**
 * Transactional outbox: events are rows written in the same transaction as the state
 * change; a relay moves them to the bus right after commit and periodically.
 */
export interface Outbox {
  withStore<R>(
    storeId: string,
    fn: (trx: Transaction<any>, emit: Emit) => Promise<R>,
    ctx?: EmitContext,
  ): Promise<R>;
  /** For platform events with no store (store_id null). */
  transaction<R>(fn: (trx: Transaction<any>, emit: Emit) => Promise<R>, ctx?: EmitContext): Promise<R>;
  /**
   * Emit into a transaction the caller already runs (a consumer's), for the store of that
   * transaction (null: a platform event; undefined: the payload's store_id). Events are
   * validated at emit() and written at flush(): the caller flushes before its commit and
   * kicks the relay after it.
   */
  emitIn(trx: Transaction<any>, storeId: string | null | undefined, ctx?: EmitContext): Emitter;
  /** Start the periodic relay. */
  start(): void;
  /** Ask the relay to drain now (called after each commit that emitted). */
  kick(): void;
  /** Drain until the outbox is empty (graceful shutdown, tests). */
  flush(): Promise<void>;
  /** Stop the periodic relay after the in-flight drain. */
  stop(): Promise<void>;
}
