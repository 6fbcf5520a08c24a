import { type Kysely, sql } from 'kysely';

/*
 * The sync worker's `catalog` schema: each store's platform connection (credentials sealed),
 * the catalog as the platform last described it (products, their images and what fetching
 * them found), sync runs as durable jobs with their log, webhook deliveries seen (for
 * deduplication), the quality report, and the onboarding progress.
 *
 * Every table carries store_id under the shared store_isolation policy. Work found across
 * stores (due runs, due scheduled syncs, a webhook's store by shop domain, an OAuth state)
 * goes through SECURITY DEFINER functions that return keys only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table catalog.connections (
      store_id uuid primary key,
      platform text not null check (platform in ('shopify', 'woocommerce', 'custom')),
      state text not null default 'pending'
        check (state in ('pending', 'connected', 'failed', 'disconnected')),
      -- Shop domain, WooCommerce site or feed URL: what the merchant connected, never a secret.
      source text,
      storefront_url text,
      feed_format text check (feed_format in ('json', 'csv', 'google_merchant_xml')),
      -- AES-256-GCM sealed JSON of the platform credentials (access token, consumer key/secret).
      credentials bytea,
      -- Sealed secret WooCommerce signs its webhooks with (Shopify signs with the app secret).
      webhook_secret bytea,
      webhooks text not null default 'none'
        check (webhooks in ('registered', 'not_supported', 'failed', 'none')),
      sync_enabled boolean not null default true,
      sync_interval_minutes integer not null default 60 check (sync_interval_minutes between 15 and 10080),
      -- High-water mark of platform updated_at seen by the last successful incremental sync.
      synced_through timestamptz,
      last_synced_at timestamptz,
      next_sync_at timestamptz,
      connected_at timestamptz,
      error text,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now()
    );
    create unique index connections_source_key on catalog.connections (platform, source)
      where state <> 'disconnected' and source is not null;
    create index connections_due_idx on catalog.connections (next_sync_at) where sync_enabled;

    -- Shopify OAuth install in flight: the state nonce the callback must bring back.
    create table catalog.oauth_states (
      state_hash text primary key,
      store_id uuid not null,
      shop text not null,
      expires_at timestamptz not null,
      used_at timestamptz,
      created_at timestamptz not null default now()
    );

    create table catalog.products (
      store_id uuid not null,
      product_id uuid not null,
      external_id text not null check (char_length(external_id) between 1 and 255),
      -- SHA-256 of the normalised product (fields and image URLs): equal hash, nothing to do.
      content_hash text not null,
      title text not null,
      description text not null default '',
      url text,
      price_minor bigint check (price_minor >= 0),
      currency text check (currency ~ '^[A-Z]{3}$'),
      availability text not null,
      categories text[] not null default '{}',
      tags text[] not null default '{}',
      variants jsonb not null default '[]'::jsonb,
      source_updated_at timestamptz,
      -- The last run that saw the product: a full sync deletes what it did not see.
      seen_run_id uuid,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (store_id, product_id)
    );
    create unique index catalog_products_external_id_key on catalog.products (store_id, external_id);
    create index catalog_products_seen_idx on catalog.products (store_id, seen_run_id);

    create table catalog.product_images (
      store_id uuid not null,
      product_id uuid not null,
      position integer not null check (position >= 0),
      url text not null,
      -- What fetching it found; null sha256 until fetched or when it failed.
      sha256 text,
      width integer,
      height integer,
      bytes integer,
      content_type text,
      etag text,
      last_modified text,
      status text not null default 'pending'
        check (status in ('pending', 'ok', 'broken', 'not_image', 'too_large', 'refused')),
      error text,
      fetched_at timestamptz,
      primary key (store_id, product_id, position),
      foreign key (store_id, product_id) references catalog.products (store_id, product_id) on delete cascade
    );
    create index catalog_product_images_sha_idx on catalog.product_images (store_id, sha256);

    create table catalog.sync_runs (
      id uuid primary key,
      store_id uuid not null,
      trigger text not null check (trigger in ('onboarding', 'schedule', 'manual', 'webhook')),
      mode text not null check (mode in ('incremental', 'full')),
      state text not null default 'queued'
        check (state in ('queued', 'running', 'succeeded', 'failed', 'cancelled')),
      phase text not null default 'queued'
        check (phase in ('queued', 'fetching', 'finishing', 'indexing', 'done')),
      -- Incremental lower bound; the connector's resume cursor after the last committed page.
      since timestamptz,
      cursor text,
      expected integer,
      seen integer not null default 0,
      added integer not null default 0,
      updated integer not null default 0,
      unchanged integer not null default 0,
      deleted integer not null default 0,
      failed integer not null default 0,
      images_fetched integer not null default 0,
      images_failed integer not null default 0,
      -- Highest platform updated_at among the products this run saw.
      max_source_updated_at timestamptz,
      indexing_total integer not null default 0,
      indexing_indexed integer not null default 0,
      indexing_failed integer not null default 0,
      attempts integer not null default 0,
      not_before timestamptz not null default now(),
      lease_until timestamptz,
      error_code text,
      error_message text,
      queued_at timestamptz not null default now(),
      started_at timestamptz,
      finished_at timestamptz
    );
    create index sync_runs_store_idx on catalog.sync_runs (store_id, queued_at desc);
    create index sync_runs_due_idx on catalog.sync_runs (not_before) where state in ('queued', 'running');
    -- One active run per store: "sync now" during a run returns the running one.
    create unique index sync_runs_one_active on catalog.sync_runs (store_id) where state in ('queued', 'running');

    create table catalog.sync_run_log (
      store_id uuid not null,
      run_id uuid not null,
      seq bigint generated always as identity,
      external_id text,
      level text not null check (level in ('error', 'warning')),
      code text not null,
      message text not null,
      at timestamptz not null default now(),
      primary key (store_id, run_id, seq)
    );

    create table catalog.webhook_deliveries (
      store_id uuid not null,
      platform text not null,
      delivery_id text not null,
      topic text not null,
      received_at timestamptz not null default now(),
      primary key (store_id, platform, delivery_id)
    );

    create table catalog.quality_reports (
      store_id uuid primary key,
      run_id uuid,
      products integer not null,
      score double precision not null,
      issues jsonb not null,
      computed_at timestamptz not null default now()
    );

    create table catalog.onboarding (
      store_id uuid primary key,
      platform text,
      platform_at timestamptz,
      connected_at timestamptz,
      initial_run_id uuid,
      imported_at timestamptz,
      indexed_at timestamptz,
      quality_at timestamptz,
      catalog_indexed_published_at timestamptz,
      widget_key_at timestamptz,
      completed_at timestamptz
    );
  `.execute(db);

  for (const table of [
    'connections',
    'oauth_states',
    'products',
    'product_images',
    'sync_runs',
    'sync_run_log',
    'webhook_deliveries',
    'quality_reports',
    'onboarding',
  ]) {
    await sql`select public.nlyzer_enable_store_rls('catalog', ${table})`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(`catalog.${table}`)} to nlyzer_app`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop table if exists catalog.onboarding, catalog.quality_reports, catalog.webhook_deliveries,
      catalog.sync_run_log, catalog.sync_runs, catalog.product_images, catalog.products,
      catalog.oauth_states, catalog.connections;
  `.execute(db);
}
