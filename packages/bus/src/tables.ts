import type { EventEnvelope } from '@nlyzer/contracts';
import type { MigrationSet } from '@nlyzer/db';
import type { ColumnType, Generated } from 'kysely';

/** The bus's schema and its frozen migrations; every service migrates it with its own set. */
export const busMigrations: MigrationSet = {
  schema: 'bus',
  folder: new URL('../migrations/', import.meta.url),
};

type CreatedAt = ColumnType<Date, never, never>;

export interface OutboxTable {
  id: Generated<number>;
  event_id: string;
  topic: string;
  ordering_key: string | null;
  envelope: ColumnType<EventEnvelope, string, never>;
  attributes: ColumnType<Record<string, string>, string, never>;
  created_at: CreatedAt;
}

export interface ProcessedEventsTable {
  subscription: string;
  event_id: string;
  processed_at: CreatedAt;
}

export interface DeadLettersTable {
  id: Generated<number>;
  subscription: string;
  topic: string;
  event_id: string | null;
  envelope: ColumnType<EventEnvelope | null, string | null, never>;
  raw: string;
  reason: string;
  attempts: number;
  created_at: CreatedAt;
  replayed_at: ColumnType<Date | null, never, Date>;
}

export interface BusTables {
  'bus.outbox': OutboxTable;
  'bus.processed_events': ProcessedEventsTable;
  'bus.dead_letters': DeadLettersTable;
}
