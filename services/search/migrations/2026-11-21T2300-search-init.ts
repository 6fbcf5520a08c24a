import { type Kysely, sql } from 'kysely';

/*
 * The search service's `search` schema: what it knows of each store's products (enough to
 * answer a search without calling anyone), their images and vectors (Postgres is the
 * source of truth; the vector index is rebuilt from here), the indexing queue and its
 * runs, the search log, and the query images low-confidence searches hand to a human.
 *
 * Every table carries store_id under the shared store_isolation policy. The indexing
 * worker must find due work across stores before it knows the store, so claiming goes
 * through one SECURITY DEFINER function that returns only (store_id, product_id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table search.store_settings (
      store_id uuid primary key,
      confidence_threshold double precision not null default 0.7
        check (confidence_threshold between 0 and 1),
      -- null: the platform's default embedder (SEARCH_EMBEDDER).
      embedder text,
      -- Bumped by every catalog change: part of the result cache key, so a change
      -- invalidates that store's cached results on every instance at once.
      catalog_version bigint not null default 0,
      updated_at timestamptz not null default now()
    );

    create table search.products (
      store_id uuid not null,
      product_id uuid not null,
      external_id text not null check (char_length(external_id) between 1 and 255),
      title text not null check (char_length(title) between 1 and 500),
      description text not null default '' check (char_length(description) <= 10000),
      url text,
      price_minor bigint check (price_minor >= 0),
      currency text check (currency ~ '^[A-Z]{3}$'),
      categories text[] not null default '{}',
      in_stock boolean not null default true,
      -- Merchant's ranking nudge, added to the similarity score.
      boost double precision not null default 0 check (boost between -1 and 1),
      image_urls text[] not null default '{}',
      content_hash text not null,
      -- Colour names and pattern read from the first image, for display and text search.
      style_dna jsonb,
      style_keywords text not null default '',
      index_state text not null default 'pending'
        check (index_state in ('pending', 'indexed', 'failed', 'no_images')),
      index_error text,
      indexed_embedder text,
      search_document tsvector generated always as (
        setweight(to_tsvector('english'::regconfig, title), 'A') ||
        setweight(to_tsvector('english'::regconfig, style_keywords), 'B') ||
        setweight(to_tsvector('english'::regconfig, description), 'C')
      ) stored,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (store_id, product_id)
    );
    create unique index products_external_id_key on search.products (store_id, external_id);
    create index products_search_document_idx on search.products using gin (search_document);
    create index products_index_state_idx on search.products (store_id, index_state);

    create table search.product_images (
      store_id uuid not null,
      product_id uuid not null,
      position integer not null check (position >= 0),
      source_url text,
      sha256 text not null,
      width integer not null,
      height integer not null,
      -- Keypoints and binary descriptors for geometric re-ranking (encoded by @nlyzer/vision).
      local_features bytea,
      primary key (store_id, product_id, position),
      foreign key (store_id, product_id) references search.products (store_id, product_id) on delete cascade
    );

    create table search.product_vectors (
      store_id uuid not null,
      vector_id text not null,
      product_id uuid not null,
      image_position integer not null,
      view integer not null,
      embedder text not null,
      embedder_version text not null,
      -- Little-endian float32, L2-normalised.
      vector bytea not null,
      primary key (store_id, vector_id),
      foreign key (store_id, product_id) references search.products (store_id, product_id) on delete cascade
    );
    create index product_vectors_product_idx on search.product_vectors (store_id, product_id);

    -- One row per product waiting to be (re)embedded; a product queued twice is queued once.
    create table search.indexing_queue (
      store_id uuid not null,
      product_id uuid not null,
      run_id uuid,
      attempts integer not null default 0,
      not_before timestamptz not null default now(),
      last_error text,
      enqueued_at timestamptz not null default now(),
      primary key (store_id, product_id)
    );
    create index indexing_queue_due_idx on search.indexing_queue (not_before);

    -- Progress of one batch of indexing work: a sync run's changes or a catalog API call.
    create table search.indexing_runs (
      store_id uuid not null,
      run_id uuid not null,
      source text not null check (source in ('api', 'sync', 'reindex')),
      total integer not null default 0,
      indexed integer not null default 0,
      failed integer not null default 0,
      created_at timestamptz not null default now(),
      finished_at timestamptz,
      primary key (store_id, run_id)
    );

    create table search.search_log (
      store_id uuid not null,
      search_id uuid not null,
      kind text not null,
      query_text text,
      image_sha256 text,
      filters jsonb not null default '{}'::jsonb,
      result_product_ids uuid[] not null default '{}',
      top_score double precision,
      confidence double precision not null,
      zero_results boolean not null,
      latency_ms integer not null,
      session_id text,
      created_at timestamptz not null default now(),
      primary key (store_id, search_id)
    );
    create index search_log_recent_idx on search.search_log (store_id, created_at desc);

    -- The shopper's photo of a low-confidence search, for the concierge expert.
    create table search.query_images (
      store_id uuid not null,
      sha256 text not null,
      content_type text not null,
      bytes bytea not null,
      created_at timestamptz not null default now(),
      primary key (store_id, sha256)
    );
  `.execute(db);

  for (const table of [
    'store_settings',
    'products',
    'product_images',
    'product_vectors',
    'indexing_queue',
    'indexing_runs',
    'search_log',
    'query_images',
  ]) {
    await sql`select public.nlyzer_enable_store_rls('search', ${table})`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(`search.${table}`)} to nlyzer_app`.execute(
      db,
    );
  }
  await sql`create policy owner_claim on search.indexing_queue for all to current_user using (true) with check (true)`.execute(
    db,
  );

  // Claims due queue rows across stores: pushes their not_before past the lease so a
  // crashed worker's claim is retried later, and returns only the keys.
  await sql`
    create function search.claim_indexing_work(p_limit integer, p_lease_seconds integer)
    returns table (store_id uuid, product_id uuid)
    language sql volatile security definer set search_path = search, pg_temp
    as $$
      with due as (
        select q.store_id, q.product_id from search.indexing_queue q
        where q.not_before <= now()
        order by q.not_before
        limit p_limit
        for update skip locked
      )
      update search.indexing_queue q
      set not_before = now() + make_interval(secs => p_lease_seconds), attempts = q.attempts + 1
      from due
      where q.store_id = due.store_id and q.product_id = due.product_id
      returning q.store_id, q.product_id
    $$;
    revoke all on function search.claim_indexing_work(integer, integer) from public;
    grant execute on function search.claim_indexing_work(integer, integer) to nlyzer_app;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists search.claim_indexing_work(integer, integer);
    drop table if exists search.query_images, search.search_log, search.indexing_runs,
      search.indexing_queue, search.product_vectors, search.product_images, search.products,
      search.store_settings;
  `.execute(db);
}
