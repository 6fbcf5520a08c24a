import type { ServiceDefinition } from '@nlyzer/service-kit';
import { buildSearchApp, searchContext } from './app.ts';
import { type SearchConfig, searchConfigSchema } from './config.ts';
import { applyProductsChanged } from './features/catalog/products-changed.ts';
import { seedDemoCatalog } from './features/demo/seed-demo-catalog.ts';
import { mirrorThreshold, rememberNewStore } from './features/store-settings/store-settings-feature.ts';

export const service: ServiceDefinition<SearchConfig> = {
  name: 'search',
  configSchema: searchConfigSchema,
  migrations: { schema: 'search', folder: new URL('../migrations/', import.meta.url) },
  build: (deps) => buildSearchApp(deps),
  handlers: {
    'catalog.products_changed': applyProductsChanged,
    'store.created': rememberNewStore,
    'store.settings_updated': mirrorThreshold,
  },
  seedDemo: (deps, demo) => seedDemoCatalog(searchContext(deps), demo),
};
