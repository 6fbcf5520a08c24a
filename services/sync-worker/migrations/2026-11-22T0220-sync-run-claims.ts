import { type Kysely, sql } from 'kysely';

/*
 * Work the run worker finds across stores, before any store is known: due sync runs and
 * stores whose scheduled sync is due. SECURITY DEFINER functions returning keys only, like
 * the connection lookups; the work itself then runs scoped to each store.
 *
 * `indexing_expected` counts the products a run handed to search for embedding, so a
 * progress report search sent before it had every batch cannot end the run's indexing early.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table catalog.sync_runs add column indexing_expected integer not null default 0;

    -- Claims due runs: queued ones whose backoff is over, and running ones whose lease
    -- expired (their worker died). Each claim counts an attempt, which also tells a stale
    -- holder (same run, older attempt count) that it lost the run.
    create function catalog.claim_sync_runs(p_limit integer, p_lease_seconds integer)
    returns table (store_id uuid, run_id uuid, attempts integer)
    language sql volatile security definer set search_path = catalog, pg_temp
    as $$
      with due as (
        select r.id from catalog.sync_runs r
        where (r.state = 'queued' and r.not_before <= now())
           or (r.state = 'running' and r.lease_until < now())
        order by r.not_before
        limit p_limit
        for update skip locked
      )
      update catalog.sync_runs r
      set state = 'running',
          lease_until = now() + make_interval(secs => p_lease_seconds),
          attempts = r.attempts + 1,
          started_at = coalesce(r.started_at, now())
      from due
      where r.id = due.id
      returning r.store_id, r.id, r.attempts
    $$;
    revoke all on function catalog.claim_sync_runs(integer, integer) from public;
    grant execute on function catalog.claim_sync_runs(integer, integer) to nlyzer_app;

    -- Stores whose scheduled sync is due: enabled, connected, next_sync_at passed.
    create function catalog.due_scheduled_syncs(p_now timestamptz, p_limit integer)
    returns table (store_id uuid)
    language sql stable security definer set search_path = catalog, pg_temp
    as $$
      select c.store_id from catalog.connections c
      where c.sync_enabled and c.state = 'connected' and c.next_sync_at <= p_now
      order by c.next_sync_at
      limit p_limit
    $$;
    revoke all on function catalog.due_scheduled_syncs(timestamptz, integer) from public;
    grant execute on function catalog.due_scheduled_syncs(timestamptz, integer) to nlyzer_app;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists catalog.due_scheduled_syncs(timestamptz, integer);
    drop function if exists catalog.claim_sync_runs(integer, integer);
    alter table catalog.sync_runs drop column if exists indexing_expected;
  `.execute(db);
}
