import { widgetTokenSecret } from '@nlyzer/gateway';
import {
  type App,
  createApp,
  internalAuthSecret,
  merchantAccess,
  type ServiceDeps,
} from '@nlyzer/service-kit';
import type { SearchConfig } from './config.ts';
import { type CatalogIndexingOptions, registerCatalogFeatures } from './features/catalog/register-catalog.ts';
import { createImageSearchFeature } from './features/image-search/image-search-feature.ts';
import { createProductImagesFeature } from './features/image-search/product-images-feature.ts';
import { createSearchEngine, type Reranker } from './features/image-search/search-engine.ts';
import { createQueryImagesFeature } from './features/search-log/query-images-feature.ts';
import { createSearchRecorder } from './features/search-log/search-recorder.ts';
import { createStoreSettingsFeature } from './features/store-settings/store-settings-feature.ts';
import { createEmbedderRegistry, type EmbedderRegistry } from './indexes/embedder-registry.ts';
import { createVectorIndexes, type VectorIndexes } from './indexes/vector-indexes.ts';
import type { SearchContext } from './search-context.ts';
import type { SearchTables } from './search-tables.ts';

/** Parts a test or another runtime may swap; everything else comes from the config. */
export interface SearchParts {
  embedders?: EmbedderRegistry;
  indexes?: VectorIndexes;
}

export function searchContext(deps: ServiceDeps<SearchConfig>, parts: SearchParts = {}): SearchContext {
  const { config, db, outbox, logger } = deps;
  return {
    config,
    db: db.as<SearchTables>(),
    outbox,
    logger,
    embedders: parts.embedders ?? createEmbedderRegistry(config),
    indexes: parts.indexes ?? createVectorIndexes(config),
  };
}

export async function buildSearchApp(deps: ServiceDeps<SearchConfig>, parts: SearchParts = {}): Promise<App> {
  const { config, db, bus, outbox, logger } = deps;
  const app = await createApp({ name: 'search', config, db, bus, outbox, logger });
  await registerSearchFeatures(app, searchContext(deps, parts));
  return app;
}

export interface SearchFeatureParts {
  reranker?: Reranker;
  /** Indexing worker and product index settings (tests shorten polls and leases). */
  catalog?: CatalogIndexingOptions;
}

export async function registerSearchFeatures(
  app: App,
  context: SearchContext,
  parts: SearchFeatureParts = {},
): Promise<void> {
  const { config, outbox, logger } = context;
  // Registered before the features: its onRoute hook guards every merchant route declared after it.
  await app.register(merchantAccess, { internalSecret: internalAuthSecret(config), audience: 'search' });
  const catalog = await registerCatalogFeatures(app, context, parts.catalog);

  const recorder = createSearchRecorder({ outbox, logger });
  app.addHook('onClose', () => recorder.close());
  const engine = createSearchEngine(context, {
    index: catalog.productIndex,
    recorder,
    ...(parts.reranker === undefined ? {} : { reranker: parts.reranker }),
  });
  await app.register(createImageSearchFeature({ engine, widgetTokenSecret: widgetTokenSecret(config) }));
  await app.register(createProductImagesFeature(context));
  await app.register(createQueryImagesFeature(context));
  await app.register(createStoreSettingsFeature({ context, reindexStore: catalog.reindexStore }));
}
