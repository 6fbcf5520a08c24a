import type { ConsumerHandler } from '@nlyzer/bus';
import { Ratio } from '@nlyzer/contracts';
import { AppError, type RouteModule } from '@nlyzer/service-kit';
import Type from 'typebox';
import { EMBEDDER_KINDS, type EmbedderKind } from '../../config.ts';
import type { SearchContext, SearchTransaction } from '../../search-context.ts';
import { readSettings, setConfidenceThreshold, setEmbedder } from './settings-store.ts';

const SettingsView = Type.Object({
  confidence_threshold: Ratio(),
  embedder: Type.Enum(EMBEDDER_KINDS),
  embedder_is_default: Type.Boolean(),
});

const SettingsChange = Type.Object(
  {
    /** null goes back to the platform's default embedder. */
    embedder: Type.Union([Type.Enum(EMBEDDER_KINDS), Type.Null()]),
  },
  { additionalProperties: false },
);

export interface StoreSettingsFeatureDeps {
  context: SearchContext;
  /** Re-embeds every product of the store with its (new) embedder. */
  reindexStore(storeId: string): Promise<void>;
}

/**
 * The search settings a merchant sees: the confidence threshold (owned by the gateway's
 * store settings, mirrored here from `store.settings_updated`) and the store's embedder,
 * whose change re-indexes the catalog.
 */
export function createStoreSettingsFeature(deps: StoreSettingsFeatureDeps): RouteModule {
  const { context } = deps;
  const { db, embedders } = context;
  const viewOf = async (storeId: string) => {
    const settings = await db.withStore(storeId, (trx) => readSettings(trx, storeId));
    return {
      confidence_threshold: settings.confidenceThreshold,
      embedder: settings.embedder ?? embedders.defaultKind,
      embedder_is_default: settings.embedder === null,
    };
  };
  return async (app) => {
    app.get(
      '/v1/search-settings',
      {
        config: { merchantRoles: ['owner', 'admin', 'analyst'] },
        schema: { response: { 200: SettingsView } },
      },
      async (request) => viewOf(request.merchant!.storeId),
    );

    app.patch(
      '/v1/search-settings',
      {
        config: { merchantRoles: ['owner', 'admin'] },
        schema: { body: SettingsChange, response: { 200: SettingsView } },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        const wanted: EmbedderKind | null = request.body.embedder;
        const target = wanted ?? embedders.defaultKind;
        try {
          // Built before anything is written: a platform without ONNX_MODEL_DIR must refuse, not half-switch.
          await embedders.embedder(target);
        } catch (err) {
          throw new AppError('unprocessable', `The ${target} embedder is not available on this platform`, {
            cause: err,
          });
        }
        const before = await viewOf(storeId);
        await db.withStore(storeId, (trx) => setEmbedder(trx, storeId, wanted));
        const after = await viewOf(storeId);
        if (after.embedder !== before.embedder) await deps.reindexStore(storeId);
        return after;
      },
    );
  };
}

export const rememberNewStore: ConsumerHandler<'store.created'> = async (envelope, { trx }) => {
  await (trx as SearchTransaction)
    .insertInto('search.store_settings')
    .values({ store_id: envelope.payload.store_id })
    .onConflict((oc) => oc.column('store_id').doNothing())
    .execute();
};

export const mirrorThreshold: ConsumerHandler<'store.settings_updated'> = async (envelope, { trx }) => {
  const payload = envelope.payload as { store_id: string; search_confidence_threshold?: number };
  if (payload.search_confidence_threshold === undefined) return;
  await setConfidenceThreshold(
    trx as SearchTransaction,
    payload.store_id,
    payload.search_confidence_threshold,
  );
};
