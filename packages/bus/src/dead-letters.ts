import { type EventEnvelope, validateEnvelope } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { insertOutboxRows } from './emit.ts';
import { BusError } from './errors.ts';
import { TARGET_SUBSCRIPTION_ATTRIBUTE } from './message.ts';
import type { BusTables } from './tables.ts';

export interface DeadLetter {
  id: number;
  subscription: string;
  topic: string;
  /** Null when the message was malformed. */
  eventId: string | null;
  /** The validated envelope; null when the message was malformed (not replayable). */
  envelope: EventEnvelope | null;
  /** The message data exactly as received. */
  raw: string;
  reason: string;
  /** Handler attempts made; 0 when the message never reached the handler. */
  attempts: number;
  createdAt: Date;
  replayedAt: Date | null;
}

export interface NewDeadLetter {
  subscription: string;
  topic: string;
  eventId: string | null;
  envelope: EventEnvelope | null;
  raw: string;
  reason: string;
  attempts: number;
}

export async function writeDeadLetter(db: Database<BusTables>, letter: NewDeadLetter): Promise<void> {
  await db.transaction((trx) =>
    trx
      .insertInto('bus.dead_letters')
      .values({
        subscription: letter.subscription,
        topic: letter.topic,
        event_id: letter.eventId,
        envelope: letter.envelope === null ? null : JSON.stringify(letter.envelope),
        // Postgres text cannot hold NUL; a garbage message may.
        raw: letter.raw.replaceAll('\u0000', '\uFFFD'),
        reason: letter.reason,
        attempts: letter.attempts,
      })
      .execute(),
  );
}

export interface ListDeadLettersOptions {
  subscription?: string;
  /** Also list dead letters already replayed. */
  includeReplayed?: boolean;
  /** Newest first; default 100. */
  limit?: number;
}

export async function listDeadLetters(
  db: Database,
  options: ListDeadLettersOptions = {},
): Promise<DeadLetter[]> {
  const { subscription, includeReplayed = false, limit = 100 } = options;
  let query = db
    .as<BusTables>()
    .kysely.selectFrom('bus.dead_letters')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(limit);
  if (subscription !== undefined) query = query.where('subscription', '=', subscription);
  if (!includeReplayed) query = query.where('replayed_at', 'is', null);
  const rows = await query.execute();
  return rows.map((row) => ({
    id: row.id,
    subscription: row.subscription,
    topic: row.topic,
    eventId: row.event_id,
    envelope: row.envelope,
    raw: row.raw,
    reason: row.reason,
    attempts: row.attempts,
    createdAt: row.created_at,
    replayedAt: row.replayed_at,
  }));
}

/**
 * Puts the dead-lettered event back in the outbox, addressed to its subscription only (the
 * other subscriptions of the topic processed it already and skip it), and marks the dead
 * letter replayed in the same transaction. The consumer never recorded the event as
 * processed, so the replay takes effect exactly once; a second replay is refused. The
 * running service's relay publishes it on its next sweep.
 */
export async function replayDeadLetter(db: Database, id: number): Promise<{ eventId: string }> {
  return db.as<BusTables>().transaction(async (trx) => {
    const letter = await trx
      .selectFrom('bus.dead_letters')
      .select(['subscription', 'envelope', 'replayed_at'])
      .where('id', '=', id)
      .forUpdate()
      .executeTakeFirst();
    if (!letter) throw new BusError('dead_letter_not_found', `No dead letter ${id}`);
    if (letter.replayed_at !== null) {
      throw new BusError(
        'dead_letter_already_replayed',
        `Dead letter ${id} was replayed at ${letter.replayed_at.toISOString()}`,
      );
    }
    const checked = validateEnvelope(letter.envelope);
    if (!checked.ok) {
      throw new BusError(
        'dead_letter_not_replayable',
        `Dead letter ${id} holds no valid envelope (the message was malformed)`,
      );
    }
    const envelope = checked.value;
    const queued = await insertOutboxRows(trx, [envelope], {
      [TARGET_SUBSCRIPTION_ATTRIBUTE]: letter.subscription,
    });
    if (queued === 0) {
      throw new BusError(
        'dead_letter_replay_pending',
        `Event ${envelope.event_id} is still in the outbox from another replay; retry once it is published`,
      );
    }
    await trx.updateTable('bus.dead_letters').set({ replayed_at: new Date() }).where('id', '=', id).execute();
    return { eventId: envelope.event_id };
  });
}
