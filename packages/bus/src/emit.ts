import {
  canPublish,
  createEnvelope,
  type EventEnvelope,
  isTopicName,
  type ServiceName,
  type TopicName,
  type TopicPayload,
  validateEnvelope,
} from '@nlyzer/contracts';
import type { Transaction } from 'kysely';
import { currentCorrelation } from './correlation.ts';
import { BusError } from './errors.ts';
import type { EmitContext, Emitter } from './event-bus.ts';
import { orderingKeyOf } from './message.ts';
import type { BusTables } from './tables.ts';

export interface EmitterOptions {
  source: ServiceName;
  /** null: a platform event; undefined: the payload's store_id, if it has one. */
  storeId: string | null | undefined;
  ctx?: EmitContext | undefined;
}

/**
 * Validates each event against the contracts as it is emitted, so an invalid event fails
 * in the producer's code, before anything is written. Rows are written in one insert at
 * flush(), which the owner of the transaction calls before it commits: a transaction
 * emitting a hundred events pays one round trip, not a hundred.
 */
export function createEmitter(trx: Transaction<any>, options: EmitterOptions): Emitter {
  const { source, storeId, ctx } = options;
  let pending: EventEnvelope[] = [];
  const emit = async <T extends TopicName>(topic: T, payload: TopicPayload<T>) => {
    if (!isTopicName(topic)) {
      throw new BusError('unknown_topic', `Topic ${JSON.stringify(topic)} is not in the topic catalog`);
    }
    if (!canPublish(topic, source)) {
      throw new BusError('publisher_not_allowed', `${source} may not publish ${topic}`);
    }
    const correlation = currentCorrelation();
    const envelope = createEnvelope(topic, payload, {
      storeId,
      source,
      correlationId: ctx?.correlationId ?? correlation?.correlationId ?? crypto.randomUUID(),
      causationId: ctx?.causationId !== undefined ? ctx.causationId : (correlation?.causationId ?? null),
    });
    const checked = validateEnvelope(envelope);
    if (!checked.ok) {
      throw new BusError('invalid_event', `Invalid ${topic} event: ${checked.errors.join('; ')}`, {
        errors: checked.errors,
      });
    }
    pending.push(envelope);
    return envelope.event_id;
  };
  return {
    emit,
    async flush() {
      const envelopes = pending;
      pending = [];
      if (envelopes.length > 0) await insertOutboxRows(trx, envelopes, {});
      return envelopes.length;
    },
  };
}

/** The outbox rows for these envelopes; returns how many were new (a replay may find its event still queued). */
export async function insertOutboxRows(
  trx: Transaction<any>,
  envelopes: EventEnvelope[],
  attributes: Record<string, string>,
): Promise<number> {
  const inserted = await (trx as Transaction<BusTables>)
    .insertInto('bus.outbox')
    .values(
      envelopes.map((envelope) => ({
        event_id: envelope.event_id,
        topic: envelope.event_type,
        ordering_key: orderingKeyOf(envelope) ?? null,
        envelope: JSON.stringify(envelope),
        attributes: JSON.stringify(attributes),
      })),
    )
    .onConflict((conflict) => conflict.column('event_id').doNothing())
    .returning('id')
    .execute();
  return inserted.length;
}
