import { type Kysely, sql } from 'kysely';

/*
 * The role application queries run as, and the one RLS policy every
 * store-scoped table uses. Roles are cluster-wide and several databases may
 * migrate at once (parallel tests, several services), so creating the role
 * and the membership tolerate losing the race.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    do $$
    begin
      begin
        create role nlyzer_app nologin;
      exception when duplicate_object or unique_violation then
        null;
      end;
      -- The owner must be able to SET ROLE nlyzer_app (superusers always can).
      if not (select rolsuper from pg_roles where rolname = current_user)
         and not pg_has_role(current_user, 'nlyzer_app', 'member') then
        begin
          execute format('grant nlyzer_app to %I', current_user);
        exception when duplicate_object or unique_violation then
          null;
        end;
      end if;
    end
    $$;

    create or replace function public.nlyzer_enable_store_rls(schema_name text, table_name text)
    returns void
    language plpgsql
    as $fn$
    begin
      execute format('alter table %I.%I enable row level security', schema_name, table_name);
      -- FORCE: the table owner obeys the policy too, so only superusers bypass it.
      execute format('alter table %I.%I force row level security', schema_name, table_name);
      execute format('drop policy if exists store_isolation on %I.%I', schema_name, table_name);
      execute format(
        'create policy store_isolation on %I.%I
           using (store_id = nullif(current_setting(''app.store_id'', true), '''')::uuid)
           with check (store_id = nullif(current_setting(''app.store_id'', true), '''')::uuid)',
        schema_name, table_name);
    end
    $fn$;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  // The role is shared by every database of the cluster: only the function is this database's own.
  await sql`drop function if exists public.nlyzer_enable_store_rls(text, text)`.execute(db);
}
