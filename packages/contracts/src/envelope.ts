// The one envelope every event travels in (publish, outbox rows, dead letters).
import Type, { type Static } from 'typebox';
import { DateTime, NullableUuid, Uuid } from './primitives.ts';
import { SERVICE_NAMES, type ServiceName } from './services.ts';
import { TOPICS, type TopicName, type TopicPayload } from './topics.ts';

export const EventEnvelope = Type.Object(
  {
    /** Idempotency key: consumers record (subscription, event_id) with their own writes. */
    event_id: Uuid(),
    /** The topic name. */
    event_type: Type.String({ pattern: '^[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+$', maxLength: 255 }),
    version: Type.Integer({ minimum: 1 }),
    occurred_at: DateTime(),
    /** Null only for platform-level events (global flag changes, analysis runs). */
    store_id: NullableUuid(),
    source: Type.Enum(SERVICE_NAMES as [ServiceName, ...ServiceName[]]),
    /** The originating request's X-Request-ID, carried across every hop. */
    correlation_id: Type.String({ minLength: 1, maxLength: 128 }),
    /** The event that caused this one, null when a request or a job caused it. */
    causation_id: NullableUuid(),
    payload: Type.Record(Type.String(), Type.Unknown()),
  },
  { additionalProperties: false },
);
export type EventEnvelope = Static<typeof EventEnvelope>;

/** An envelope whose event_type and payload are tied to one topic. */
export type Envelope<T extends TopicName = TopicName> = {
  [K in T]: Omit<EventEnvelope, 'event_type' | 'payload'> & { event_type: K; payload: TopicPayload<K> };
}[T];

export interface EnvelopeContext {
  /** Defaults to the payload's store_id, or null for platform-level events. */
  storeId?: string | null;
  source: ServiceName;
  correlationId: string;
  causationId?: string | null;
}

export function createEnvelope<T extends TopicName>(
  topic: T,
  payload: TopicPayload<T>,
  { storeId, source, correlationId, causationId = null }: EnvelopeContext,
): Envelope<T> {
  const payloadStoreId = (payload as { store_id?: string | null }).store_id;
  return {
    event_id: crypto.randomUUID(),
    event_type: topic,
    version: TOPICS[topic].version,
    occurred_at: new Date().toISOString(),
    store_id: storeId !== undefined ? storeId : (payloadStoreId ?? null),
    source,
    correlation_id: correlationId,
    causation_id: causationId,
    payload,
  } as Envelope<T>;
}
