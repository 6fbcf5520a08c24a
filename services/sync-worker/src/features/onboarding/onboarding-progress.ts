import type { ConsumerHandler, Emit } from '@nlyzer/bus';
import type { Platform } from '@nlyzer/contracts';
import { sql } from 'kysely';
import type { CatalogTransaction } from '../../sync-context.ts';

/*
 * The onboarding row of a store moves forward on facts from three places: the gateway
 * (platform chosen, widget key issued), the connect routes, and the run worker (the
 * first import indexed). Each step is a conditional write, so redelivered events and
 * racing consumers move it once: onboarding.catalog_indexed and onboarding.completed go
 * out exactly once per onboarding.
 */

const asTransaction = (trx: unknown) => trx as CatalogTransaction;

/** `store.platform_selected`: the platform step is done; the platform may still change until connected. */
export const markPlatformSelected: ConsumerHandler<'store.platform_selected'> = async (envelope, { trx }) => {
  const { store_id: storeId, platform } = envelope.payload;
  const at = new Date(envelope.occurred_at);
  await asTransaction(trx)
    .insertInto('catalog.onboarding')
    .values({ store_id: storeId, platform, platform_at: at })
    .onConflict((oc) =>
      oc.column('store_id').doUpdateSet({
        platform: sql`case when catalog.onboarding.connected_at is null then excluded.platform else catalog.onboarding.platform end`,
        platform_at: sql`coalesce(catalog.onboarding.platform_at, excluded.platform_at)`,
      }),
    )
    .execute();
};

/**
 * The store connected (or reconnected before finishing onboarding): the import starts over
 * with `initialRunId` (null for a store that pushes its catalog). A store that completed
 * onboarding keeps it.
 */
export async function markConnected(
  trx: CatalogTransaction,
  storeId: string,
  platform: Platform,
  initialRunId: string | null,
  now: Date,
): Promise<void> {
  const restart = {
    platform,
    platform_at: sql<Date>`coalesce(catalog.onboarding.platform_at, excluded.platform_at)`,
    connected_at: now,
    initial_run_id: initialRunId,
    imported_at: null,
    indexed_at: null,
    quality_at: null,
    catalog_indexed_published_at: null,
    products_indexed: null,
    products_failed: null,
    products_without_images: null,
  };
  await trx
    .insertInto('catalog.onboarding')
    .values({
      store_id: storeId,
      platform,
      platform_at: now,
      connected_at: now,
      initial_run_id: initialRunId,
    })
    .onConflict((oc) =>
      oc.column('store_id').doUpdateSet(restart).where('catalog.onboarding.completed_at', 'is', null),
    )
    .execute();
}

export interface IndexedCatalog {
  /** The sync run whose products are indexed, or null when the search service indexed pushed products. */
  runId: string | null;
  productsIndexed: number;
  productsFailed: number;
  productsWithoutImages: number;
}

/**
 * The first catalog is indexed (and its quality report written by the run's finish): the
 * import, indexing and quality steps are done, and the gateway hears it once, so it issues
 * the widget key for the snippet.
 */
export async function markCatalogIndexed(
  trx: CatalogTransaction,
  emit: Emit,
  storeId: string,
  indexed: IndexedCatalog,
): Promise<boolean> {
  const now = new Date();
  const marked = await trx
    .updateTable('catalog.onboarding')
    .set({
      initial_run_id: sql`coalesce(${indexed.runId}::uuid, initial_run_id)`,
      imported_at: sql`coalesce(imported_at, ${now})`,
      indexed_at: now,
      quality_at: now,
      catalog_indexed_published_at: now,
      products_indexed: indexed.productsIndexed,
      products_failed: indexed.productsFailed,
      products_without_images: indexed.productsWithoutImages,
    })
    .where('store_id', '=', storeId)
    .where('connected_at', 'is not', null)
    .where('catalog_indexed_published_at', 'is', null)
    .returning(['platform'])
    .executeTakeFirst();
  if (marked === undefined) return false;
  const connection = await trx
    .selectFrom('catalog.connections')
    .select(['platform', 'storefront_url'])
    .where('store_id', '=', storeId)
    .executeTakeFirst();
  await emit('onboarding.catalog_indexed', {
    store_id: storeId,
    platform: (connection?.platform ?? marked.platform) as Platform,
    storefront_url: connection?.storefront_url ?? null,
    products_indexed: indexed.productsIndexed,
    products_failed: indexed.productsFailed,
  });
  await completeIfReady(trx, emit, storeId, now);
  return true;
}

/**
 * The run worker's hook when a run's indexing is complete: the first run indexed after the
 * store connected completes the catalog steps. (Not only the run queued at connect: when
 * that one failed, the merchant's retry counts.)
 */
export async function onRunIndexed(
  trx: CatalogTransaction,
  emit: Emit,
  run: { id: string; storeId: string },
): Promise<void> {
  const onboarding = await trx
    .selectFrom('catalog.onboarding')
    .select(['connected_at', 'catalog_indexed_published_at'])
    .where('store_id', '=', run.storeId)
    .executeTakeFirst();
  if (!onboarding || onboarding.connected_at === null || onboarding.catalog_indexed_published_at !== null)
    return;
  const counts = await trx
    .selectFrom('catalog.sync_runs')
    .select(['indexing_indexed', 'indexing_failed', 'failed'])
    .where('store_id', '=', run.storeId)
    .where('id', '=', run.id)
    .executeTakeFirst();
  if (counts === undefined) return;
  await markCatalogIndexed(trx, emit, run.storeId, {
    runId: run.id,
    productsIndexed: counts.indexing_indexed,
    productsFailed: counts.failed + counts.indexing_failed,
    productsWithoutImages: await countProductsWithoutImages(trx, run.storeId),
  });
}

/** Products none of whose images could be fetched (or that have none). */
async function countProductsWithoutImages(trx: CatalogTransaction, storeId: string): Promise<number> {
  const row = await trx
    .selectFrom('catalog.products as p')
    .select((eb) => eb.fn.countAll<string | number>().as('count'))
    .where('p.store_id', '=', storeId)
    .where(({ not, exists, selectFrom }) =>
      not(
        exists(
          selectFrom('catalog.product_images as i')
            .select('i.position')
            .whereRef('i.store_id', '=', 'p.store_id')
            .whereRef('i.product_id', '=', 'p.product_id')
            .where('i.status', '=', 'ok'),
        ),
      ),
    )
    .executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * `catalog.indexing_progress` for a store that pushes its catalog (custom platform, no
 * feed): there is no sync run, so the first finished indexing run of the search service
 * completes the catalog steps. There is no quality report for such a store (the sync
 * worker never sees its products), and products without images are not known: 0.
 */
export async function onPushIndexingProgress(
  trx: CatalogTransaction,
  emit: Emit,
  progress: { store_id: string; indexed: number; failed: number; total: number },
): Promise<void> {
  if (progress.total === 0 || progress.indexed + progress.failed < progress.total) return;
  const connection = await trx
    .selectFrom('catalog.connections')
    .select(['platform', 'source', 'state'])
    .where('store_id', '=', progress.store_id)
    .executeTakeFirst();
  if (connection?.platform !== 'custom' || connection.source !== null || connection.state !== 'connected')
    return;
  await markCatalogIndexed(trx, emit, progress.store_id, {
    runId: null,
    productsIndexed: progress.indexed,
    productsFailed: progress.failed,
    productsWithoutImages: 0,
  });
}

/** `widget_key.created`: the snippet step is done (the first key counts). */
export const markWidgetKeyCreated: ConsumerHandler<'widget_key.created'> = async (
  envelope,
  { trx, emit },
) => {
  const storeId = envelope.payload.store_id;
  const at = new Date(envelope.occurred_at);
  const catalog = asTransaction(trx);
  await catalog
    .insertInto('catalog.onboarding')
    .values({ store_id: storeId, widget_key_at: at })
    .onConflict((oc) =>
      oc.column('store_id').doUpdateSet({
        widget_key_at: sql`coalesce(catalog.onboarding.widget_key_at, excluded.widget_key_at)`,
      }),
    )
    .execute();
  await completeIfReady(catalog, emit, storeId, new Date());
};

/** Completes onboarding once the catalog is indexed and the widget key exists: once. */
async function completeIfReady(
  trx: CatalogTransaction,
  emit: Emit,
  storeId: string,
  now: Date,
): Promise<void> {
  const completed = await trx
    .updateTable('catalog.onboarding')
    .set({ completed_at: now })
    .where('store_id', '=', storeId)
    .where('completed_at', 'is', null)
    .where('catalog_indexed_published_at', 'is not', null)
    .where('widget_key_at', 'is not', null)
    .returningAll()
    .executeTakeFirst();
  if (completed === undefined) return;
  const connectedAt = completed.connected_at === null ? now : new Date(completed.connected_at);
  await emit('onboarding.completed', {
    store_id: storeId,
    platform: completed.platform as Platform,
    products_indexed: completed.products_indexed ?? 0,
    products_failed: completed.products_failed ?? 0,
    products_without_images: completed.products_without_images ?? 0,
    duration_ms: Math.max(0, now.getTime() - connectedAt.getTime()),
  });
}
