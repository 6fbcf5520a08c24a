import type { EmbedderKind } from '../../config.ts';
import type { SearchTransaction } from '../../search-context.ts';

export interface StoreSearchSettings {
  confidenceThreshold: number;
  /** null: the platform's default embedder. */
  embedder: EmbedderKind | null;
  /** Changes whenever the store's catalog does; part of every result cache key. */
  catalogVersion: string;
}

export const DEFAULT_CONFIDENCE_THRESHOLD = 0.7;

/** Search hears of a store from `store.created`, but a search may come first: a store without a row has the defaults. */
export async function readSettings(trx: SearchTransaction, storeId: string): Promise<StoreSearchSettings> {
  const row = await trx
    .selectFrom('search.store_settings')
    .select(['confidence_threshold', 'embedder', 'catalog_version'])
    .where('store_id', '=', storeId)
    .executeTakeFirst();
  return {
    confidenceThreshold: row?.confidence_threshold ?? DEFAULT_CONFIDENCE_THRESHOLD,
    embedder: (row?.embedder ?? null) as EmbedderKind | null,
    catalogVersion: String(row?.catalog_version ?? 0),
  };
}

type SettingsChange = { confidence_threshold?: number; embedder?: EmbedderKind | null };

async function upsertSettings(
  trx: SearchTransaction,
  storeId: string,
  change: SettingsChange,
): Promise<void> {
  await trx
    .insertInto('search.store_settings')
    .values({ store_id: storeId, ...change })
    .onConflict((oc) => oc.column('store_id').doUpdateSet({ ...change, updated_at: new Date() }))
    .execute();
}

export const setConfidenceThreshold = (trx: SearchTransaction, storeId: string, threshold: number) =>
  upsertSettings(trx, storeId, { confidence_threshold: threshold });

export const setEmbedder = (trx: SearchTransaction, storeId: string, embedder: EmbedderKind | null) =>
  upsertSettings(trx, storeId, { embedder });

/** Call in the transaction that changes the catalog: cached results of the store stop matching at commit. */
export async function bumpCatalogVersion(trx: SearchTransaction, storeId: string): Promise<string> {
  const { catalog_version } = await trx
    .insertInto('search.store_settings')
    .values({ store_id: storeId, catalog_version: 1 })
    .onConflict((oc) =>
      oc.column('store_id').doUpdateSet((eb) => ({
        catalog_version: eb('search.store_settings.catalog_version', '+', 1),
        updated_at: new Date(),
      })),
    )
    .returning('catalog_version')
    .executeTakeFirstOrThrow();
  return String(catalog_version);
}
