import { type Kysely, sql } from 'kysely';

/* What test handlers write: one row per effect, so tests count effects, not calls. */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table bus_test.effects (
      id bigserial primary key,
      subscription text not null,
      event_id uuid not null,
      store_id uuid not null,
      seq integer not null
    );
    select public.nlyzer_enable_store_rls('bus_test', 'effects');

    create table bus_test.platform_effects (
      id bigserial primary key,
      subscription text not null,
      event_id uuid not null
    );
  `.execute(db);
}
