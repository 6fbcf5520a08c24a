import type { EventEnvelope, TopicName, TopicPayload } from '@nlyzer/contracts';
import type { Transaction } from 'kysely';

export type BusDriver = 'memory' | 'pubsub';

/** What a transport hands a consumer: the raw message and its delivery metadata. */
export interface Delivery {
  /** Parsed JSON body, not yet validated against the contracts. */
  body: unknown;
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
  withStore<R>(storeId: string, fn: (trx: Transaction<any>, emit: Emit) => Promise<R>, ctx?: EmitContext): Promise<R>;
  /** For platform events with no store (store_id null). */
  transaction<R>(fn: (trx: Transaction<any>, emit: Emit) => Promise<R>, ctx?: EmitContext): Promise<R>;
  /** Start the periodic relay. */
  start(): void;
  /** Ask the relay to drain now (called after each commit that emitted). */
  kick(): void;
  /** Drain until the outbox is empty (graceful shutdown, tests). */
  flush(): Promise<void>;
  /** Stop the periodic relay after the in-flight drain. */
  stop(): Promise<void>;
}
