import { type Kysely, sql } from 'kysely';

/*
 * Two lookups that must happen before the store is known, so they cannot run under the
 * store_isolation policy: a Shopify webhook names only its shop domain, and the OAuth
 * callback brings back only its state nonce. Both are SECURITY DEFINER functions that
 * return keys only.
 *
 * A connection keeps the store's currency as the platform's verify() read it: a Shopify
 * webhook's REST payload carries none, and its prices need one.
 *
 * Onboarding also keeps the figures its catalog_indexed event announced, so the
 * completion event (which may come much later, with the widget key) reports the same
 * ones, whether they came from a sync run or from the search service's progress on a
 * store that pushes its catalog.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    alter table catalog.connections add column currency text check (currency ~ '^[A-Z]{3}$');

    alter table catalog.onboarding
      add column products_indexed integer check (products_indexed >= 0),
      add column products_failed integer check (products_failed >= 0),
      add column products_without_images integer check (products_without_images >= 0);

    -- The store a live Shopify connection of this shop belongs to; null once disconnected.
    create function catalog.store_of_shopify_shop(p_shop text)
    returns uuid
    language sql stable security definer set search_path = catalog, pg_temp
    as $$
      select c.store_id from catalog.connections c
      where c.platform = 'shopify' and c.source = lower(p_shop) and c.state <> 'disconnected'
      limit 1
    $$;
    revoke all on function catalog.store_of_shopify_shop(text) from public;
    grant execute on function catalog.store_of_shopify_shop(text) to nlyzer_app;

    -- Takes an install's state nonce: once, before it expires. Nothing comes back for an
    -- unknown, used or expired nonce.
    create function catalog.take_oauth_state(p_state_hash text)
    returns table (store_id uuid, shop text)
    language sql volatile security definer set search_path = catalog, pg_temp
    as $$
      update catalog.oauth_states s
      set used_at = now()
      where s.state_hash = p_state_hash and s.used_at is null and s.expires_at > now()
      returning s.store_id, s.shop
    $$;
    revoke all on function catalog.take_oauth_state(text) from public;
    grant execute on function catalog.take_oauth_state(text) to nlyzer_app;
  `.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`
    drop function if exists catalog.take_oauth_state(text);
    drop function if exists catalog.store_of_shopify_shop(text);
    alter table catalog.onboarding
      drop column if exists products_indexed,
      drop column if exists products_failed,
      drop column if exists products_without_images;
    alter table catalog.connections drop column if exists currency;
  `.execute(db);
}
