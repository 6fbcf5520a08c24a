import { type Kysely, sql } from 'kysely';

/*
 * The gateway's `core` schema: stores, their people and credentials, and the audit log.
 *
 * Every table carries store_id and gets the shared store_isolation policy (FORCE'd, so
 * the owner obeys it too). Credentials must be resolved before the store is known, so
 * the few lookups that need it are SECURITY DEFINER functions owned by this migration's
 * role, returning only what authentication needs. A permissive SELECT policy scoped to
 * that owner role lets those functions read through FORCE'd RLS when the owner is not a
 * superuser (Cloud SQL); the application role never gets it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table core.stores (
      store_id uuid primary key,
      company text not null check (char_length(company) between 1 and 200),
      tier text not null check (tier in ('starter', 'growth', 'enterprise')),
      time_zone text not null,
      billing_email text not null,
      platform text check (platform in ('shopify', 'woocommerce', 'custom')),
      search_confidence_threshold double precision not null default 0.7
        check (search_confidence_threshold between 0 and 1),
      widget_theme jsonb,
      live_at timestamptz,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );

    create table core.users (
      id uuid primary key,
      store_id uuid not null references core.stores (store_id) on delete cascade,
      email text not null check (email = lower(btrim(email))),
      password_hash text not null,
      role text not null check (role in ('owner', 'admin', 'analyst', 'agent')),
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    -- One account per email across all stores: login finds the store from the email.
    create unique index users_email_key on core.users (email);
    create index users_store_idx on core.users (store_id);

    create table core.sessions (
      id uuid primary key,
      store_id uuid not null references core.stores (store_id) on delete cascade,
      user_id uuid not null references core.users (id) on delete cascade,
      token_hash text not null,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null
    );
    create unique index sessions_token_hash_key on core.sessions (token_hash);
    create index sessions_user_idx on core.sessions (store_id, user_id);

    create table core.invites (
      id uuid primary key,
      store_id uuid not null references core.stores (store_id) on delete cascade,
      email text not null,
      role text not null check (role in ('owner', 'admin', 'analyst', 'agent')),
      token_hash text not null,
      invited_by_user_id uuid,
      created_at timestamptz not null default now(),
      expires_at timestamptz not null,
      accepted_at timestamptz
    );
    create unique index invites_token_hash_key on core.invites (token_hash);
    create index invites_store_email_idx on core.invites (store_id, email);

    create table core.api_keys (
      id uuid primary key,
      store_id uuid not null references core.stores (store_id) on delete cascade,
      name text not null,
      prefix text not null,
      key_hash text not null,
      role text not null check (role in ('admin', 'analyst')),
      -- The user answerable for the key; keys stop working when that user leaves the team.
      created_by_user_id uuid not null,
      created_at timestamptz not null default now(),
      last_used_at timestamptz,
      revoked_at timestamptz
    );
    create unique index api_keys_key_hash_key on core.api_keys (key_hash);
    create index api_keys_store_idx on core.api_keys (store_id, created_at);

    create table core.widget_keys (
      id uuid primary key,
      store_id uuid not null references core.stores (store_id) on delete cascade,
      prefix text not null,
      key_hash text not null,
      allowed_origins text[] not null,
      created_by_user_id uuid not null,
      created_at timestamptz not null default now(),
      revoked_at timestamptz
    );
    create unique index widget_keys_key_hash_key on core.widget_keys (key_hash);
    create index widget_keys_store_idx on core.widget_keys (store_id, created_at);

    -- No foreign keys to users or keys: the trail outlives what it mentions.
    create table core.audit_log (
      id bigint generated always as identity primary key,
      store_id uuid not null references core.stores (store_id) on delete cascade,
      at timestamptz not null default now(),
      actor_user_id uuid,
      actor_api_key_id uuid,
      action text not null,
      target text,
      ip text,
      details jsonb not null default '{}'::jsonb
    );
    create index audit_log_store_keyset_idx on core.audit_log (store_id, id desc);
  `.execute(db);

  for (const table of ['stores', 'users', 'sessions', 'invites', 'api_keys', 'widget_keys', 'audit_log']) {
    await sql`select public.nlyzer_enable_store_rls('core', ${table})`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(`core.${table}`)} to nlyzer_app`.execute(
      db,
    );
  }
  for (const table of ['stores', 'users', 'sessions', 'invites', 'api_keys', 'widget_keys']) {
    await sql`create policy owner_auth_lookup on ${sql.table(`core.${table}`)} for select to current_user using (true)`.execute(
      db,
    );
  }
  await sql`create policy owner_touch_api_key on core.api_keys for update to current_user using (true) with check (true)`.execute(
    db,
  );

  await sql`
    create function core.find_login(p_email text)
    returns table (user_id uuid, store_id uuid, password_hash text, role text)
    language sql stable security definer set search_path = core, pg_temp
    as $$
      select u.id, u.store_id, u.password_hash, u.role from core.users u where u.email = p_email
    $$;

    create function core.resolve_session(p_token_hash text)
    returns table (session_id uuid, user_id uuid, store_id uuid, role text, tier text, expires_at timestamptz)
    language sql stable security definer set search_path = core, pg_temp
    as $$
      select s.id, s.user_id, s.store_id, u.role, st.tier, s.expires_at
      from core.sessions s
      join core.users u on u.id = s.user_id
      join core.stores st on st.store_id = s.store_id
      where s.token_hash = p_token_hash
    $$;

    -- last_used_at is refreshed at most once a minute so busy keys do not write on every request.
    create function core.resolve_api_key(p_key_hash text)
    returns table (key_id uuid, store_id uuid, role text, tier text, created_by_user_id uuid)
    language sql volatile security definer set search_path = core, pg_temp
    as $$
      with touched as (
        update core.api_keys set last_used_at = now()
        where key_hash = p_key_hash and revoked_at is null
          and (last_used_at is null or last_used_at < now() - interval '1 minute')
        returning id
      )
      select k.id, k.store_id, k.role, st.tier, k.created_by_user_id
      from core.api_keys k
      join core.stores st on st.store_id = k.store_id
      where k.key_hash = p_key_hash and k.revoked_at is null
    $$;

    create function core.resolve_widget_key(p_key_hash text)
    returns table (key_id uuid, store_id uuid, allowed_origins text[], tier text)
    language sql stable security definer set search_path = core, pg_temp
    as $$
      select k.id, k.store_id, k.allowed_origins, st.tier
      from core.widget_keys k
      join core.stores st on st.store_id = k.store_id
      where k.key_hash = p_key_hash and k.revoked_at is null
    $$;

    create function core.resolve_invite(p_token_hash text)
    returns table (invite_id uuid, store_id uuid, email text, role text, invited_by_user_id uuid, expires_at timestamptz)
    language sql stable security definer set search_path = core, pg_temp
    as $$
      select i.id, i.store_id, i.email, i.role, i.invited_by_user_id, i.expires_at
      from core.invites i
      where i.token_hash = p_token_hash and i.accepted_at is null
    $$;
  `.execute(db);

  for (const fn of [
    'find_login(text)',
    'resolve_session(text)',
    'resolve_api_key(text)',
    'resolve_widget_key(text)',
    'resolve_invite(text)',
  ]) {
    await sql.raw(`revoke all on function core.${fn} from public`).execute(db);
    await sql.raw(`grant execute on function core.${fn} to nlyzer_app`).execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists core.find_login(text);
    drop function if exists core.resolve_session(text);
    drop function if exists core.resolve_api_key(text);
    drop function if exists core.resolve_widget_key(text);
    drop function if exists core.resolve_invite(text);
    drop table if exists core.audit_log, core.widget_keys, core.api_keys, core.invites, core.sessions, core.users, core.stores;
  `.execute(db);
}
