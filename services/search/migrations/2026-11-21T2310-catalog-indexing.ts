import { type Kysely, sql } from 'kysely';

/*
 * What the catalog API and the indexing worker need beyond the first schema:
 *
 * - `products.image_sources`: the declared images in order, `{ url }` or `{ sha256,
 *   content_type }` for an image posted inline; `image_urls` keeps only what a shopper can
 *   be shown. Comparing sources tells an image change from a metadata change.
 * - `inline_images`: the bytes of inline images, kept while a product refers to them
 *   (a re-index after an embedder change reads them again).
 * - The vector feed that keeps every vector index in line with Postgres without a
 *   rebuild: each product row carries the catalog version that last changed it
 *   (`vector_version`), and every vector removed from `product_vectors` leaves a
 *   tombstone with the version that removed it. An index at watermark W catches up to
 *   version V by re-reading the products changed after W and deleting the tombstoned ids.
 *   Tombstones are pruned after a while; `vector_tombstone_horizons` records how far, so
 *   an index older than that is rebuilt instead.
 * - `vector_index_cursors`: the watermark of a shared index (Pinecone) per store and
 *   embedder, in Postgres because every instance writes to the same index.
 * - `indexing_queue.ticket`: renewed whenever a product is queued again. A worker whose
 *   claim outlived its lease, or whose product changed meanwhile, finds another ticket (or
 *   another attempt count) and drops its result instead of counting the product twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table search.products
      add column image_sources jsonb not null default '[]'::jsonb,
      add column vector_version bigint not null default 0;
    create index products_vector_version_idx on search.products (store_id, vector_version);

    create table search.inline_images (
      store_id uuid not null,
      sha256 text not null check (sha256 ~ '^[0-9a-f]{64}$'),
      content_type text not null,
      bytes bytea not null,
      created_at timestamptz not null default now(),
      primary key (store_id, sha256)
    );

    create table search.vector_tombstones (
      store_id uuid not null,
      vector_id text not null,
      version bigint not null,
      created_at timestamptz not null default now(),
      primary key (store_id, vector_id)
    );
    create index vector_tombstones_version_idx on search.vector_tombstones (store_id, version);

    create table search.vector_tombstone_horizons (
      store_id uuid primary key,
      pruned_through bigint not null
    );

    create table search.vector_index_cursors (
      store_id uuid not null,
      index_key text not null,
      version bigint not null,
      updated_at timestamptz not null default now(),
      primary key (store_id, index_key)
    );

    alter table search.indexing_queue add column ticket uuid not null default gen_random_uuid();
    create index indexing_queue_run_idx on search.indexing_queue (store_id, run_id);
    create index indexing_runs_recent_idx on search.indexing_runs (store_id, created_at desc);
  `.execute(db);

  for (const table of [
    'inline_images',
    'vector_tombstones',
    'vector_tombstone_horizons',
    'vector_index_cursors',
  ]) {
    await sql`select public.nlyzer_enable_store_rls('search', ${table})`.execute(db);
    await sql`grant select, insert, update, delete on ${sql.table(`search.${table}`)} to nlyzer_app`.execute(
      db,
    );
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop index if exists search.indexing_runs_recent_idx;
    drop index if exists search.indexing_queue_run_idx;
    alter table search.indexing_queue drop column if exists ticket;
    drop table if exists search.vector_index_cursors, search.vector_tombstone_horizons,
      search.vector_tombstones, search.inline_images;
    drop index if exists search.products_vector_version_idx;
    alter table search.products drop column if exists vector_version, drop column if exists image_sources;
  `.execute(db);
}
