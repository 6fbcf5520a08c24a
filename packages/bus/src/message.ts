import { type EventEnvelope, isTopicName, TOPICS } from '@nlyzer/contracts';
import { BusError } from './errors.ts';

/** Attribute naming the one subscription a replayed dead letter is meant for. */
export const TARGET_SUBSCRIPTION_ATTRIBUTE = 'target_subscription';

/** What goes on the wire for one envelope; both transports and the push decoder share it. */
export interface OutgoingMessage {
  topic: EventEnvelope['event_type'];
  data: string;
  orderingKey: string | undefined;
  attributes: Record<string, string>;
}

/**
 * Topics the catalog marks with `orderingKey: 'store_id'` are published with the store as
 * ordering key, so one store's events reach each subscriber in publish order.
 */
export function orderingKeyOf(envelope: EventEnvelope): string | undefined {
  if (!isTopicName(envelope.event_type)) {
    throw new BusError('unknown_topic', `Topic ${envelope.event_type} is not in the topic catalog`);
  }
  return TOPICS[envelope.event_type].orderingKey === 'store_id' && envelope.store_id
    ? envelope.store_id
    : undefined;
}

export function toMessage(envelope: EventEnvelope, attributes: Record<string, string> = {}): OutgoingMessage {
  return {
    topic: envelope.event_type,
    data: JSON.stringify(envelope),
    orderingKey: orderingKeyOf(envelope),
    // event_type/event_id as attributes let Pub/Sub filters and the console identify a
    // message without decoding it.
    attributes: { ...attributes, event_type: envelope.event_type, event_id: envelope.event_id },
  };
}
