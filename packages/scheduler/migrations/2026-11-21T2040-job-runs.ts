import { type Kysely, sql } from 'kysely';

// One row per claimed tick. The unique (job, scheduled_at) pair is the claim: whichever
// runtime inserts it first runs the tick, every other runtime skips it. The schema and the
// app role's grants come from `migrate` (default privileges of the schema).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table scheduler.job_runs (
      id uuid primary key default gen_random_uuid(),
      job text not null,
      scheduled_at timestamptz not null,
      started_at timestamptz not null default now(),
      finished_at timestamptz,
      status text not null check (status in ('running', 'succeeded', 'failed', 'skipped')),
      duration_ms integer,
      error text,
      constraint job_runs_job_scheduled_at_key unique (job, scheduled_at)
    )
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table scheduler.job_runs`.execute(db);
}
