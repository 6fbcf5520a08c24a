import type { EventEnvelope, TopicName } from '@nlyzer/contracts';

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
