import { type Kysely, sql } from 'kysely';

/*
 * Widget keys kept sealed (AES-256-GCM, by the gateway) beside their hash, so the store's
 * snippet can be shown again. Keys issued before this migration have no sealed copy (null):
 * their snippet needs a re-issued key.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`alter table core.widget_keys add column key_sealed text`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`alter table core.widget_keys drop column key_sealed`.execute(db);
}
