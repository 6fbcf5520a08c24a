import { type Kysely, sql } from 'kysely';

/*
 * The bus's infrastructure tables. They hold every store's events side by side and carry
 * no store_id column, so there is no RLS here: the app role reads them only through the
 * bus package (relay, consumers, dead-letter tools).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table bus.outbox (
      id bigserial primary key,
      event_id uuid not null unique,
      topic text not null,
      ordering_key text,
      envelope jsonb not null,
      attributes jsonb not null default '{}'::jsonb,
      created_at timestamptz not null default now()
    );

    create table bus.processed_events (
      subscription text not null,
      event_id uuid not null,
      processed_at timestamptz not null default now(),
      primary key (subscription, event_id)
    );

    create table bus.dead_letters (
      id bigserial primary key,
      subscription text not null,
      topic text not null,
      event_id uuid,
      envelope jsonb,
      raw text not null,
      reason text not null,
      attempts integer not null,
      created_at timestamptz not null default now(),
      replayed_at timestamptz
    );
    create index dead_letters_pending on bus.dead_letters (subscription, id) where replayed_at is null;

    grant select, insert, update, delete on bus.outbox, bus.processed_events, bus.dead_letters to nlyzer_app;
    grant usage, select on sequence bus.outbox_id_seq, bus.dead_letters_id_seq to nlyzer_app;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table bus.dead_letters; drop table bus.processed_events; drop table bus.outbox;`.execute(db);
}
