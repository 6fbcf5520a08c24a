import type { ServiceDefinition } from '@nlyzer/service-kit';
import { buildSyncWorker, type SyncWorkerFeatures } from './app.ts';
import { type SyncWorkerConfig, syncWorkerConfigSchema } from './config.ts';
import { markPlatformSelected, markWidgetKeyCreated } from './features/onboarding/onboarding-progress.ts';

/*
 * Consumers and jobs of a ServiceDefinition receive no deps, while the run worker's are
 * built with the app. The runtime builds one sync worker per process, so they go to the
 * one `build` made (kept while its app is open); the scheduled tick goes to every open one,
 * each on its own database.
 */
const openWorkers = new Set<SyncWorkerFeatures>();

function openWorker(): SyncWorkerFeatures {
  const [worker, ...others] = openWorkers;
  if (!worker) throw new Error('the sync worker app is not built (or already closed)');
  if (others.length > 0)
    throw new Error('several sync workers are open in this process: consumers are ambiguous');
  return worker;
}

export const service: ServiceDefinition<SyncWorkerConfig> = {
  name: 'sync-worker',
  configSchema: syncWorkerConfigSchema,
  migrations: { schema: 'catalog', folder: new URL('../migrations/', import.meta.url) },
  async build(deps) {
    const { app, features } = await buildSyncWorker(deps);
    openWorkers.add(features);
    app.addHook('onClose', async () => {
      openWorkers.delete(features);
    });
    return app;
  },
  handlers: {
    'store.platform_selected': markPlatformSelected,
    'catalog.indexing_progress': (envelope, ctx) =>
      openWorker().handlers['catalog.indexing_progress'](envelope, ctx),
    'widget_key.created': markWidgetKeyCreated,
    'catalog.sync_requested': (envelope, ctx) =>
      openWorker().handlers['catalog.sync_requested'](envelope, ctx),
  },
  jobs: {
    'catalog-sync-tick': async ({ scheduledAt }) => {
      for (const worker of openWorkers) await worker.syncRuns.tick(scheduledAt);
    },
  },
};
