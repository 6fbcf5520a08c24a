import type { ConsumerHandler } from '@nlyzer/bus';
import {
  type App,
  createApp,
  internalAuthSecret,
  merchantAccess,
  type ServiceDeps,
} from '@nlyzer/service-kit';
import type { CatalogTables } from './catalog-tables.ts';
import type { SyncWorkerConfig } from './config.ts';
import { createConnectionsFeature } from './features/connections/connections-feature.ts';
import { createConnectorFactory } from './features/connections/connector-factory.ts';
import { syncRequestedHandler } from './features/connections/sync-requested.ts';
import { createOnboardingFeature } from './features/onboarding/onboarding-feature.ts';
import {
  markPlatformSelected,
  markWidgetKeyCreated,
  onPushIndexingProgress,
  onRunIndexed,
} from './features/onboarding/onboarding-progress.ts';
import {
  registerSyncRuns,
  type SyncRunOptions,
  type SyncRuns,
} from './features/sync-runs/register-sync-runs.ts';
import { createWebhooksFeature } from './features/webhooks/webhooks-feature.ts';
import type { CatalogTransaction, SyncContext } from './sync-context.ts';

/** Parts a test, the bench or another runtime may tune; everything else comes from the config. */
export interface SyncWorkerParts {
  /** Run worker polls, leases, retries and the image inspector (tests shorten them). */
  syncRuns?: SyncRunOptions;
}

/** The consumers of the sync worker, by topic. */
export interface SyncWorkerHandlers {
  'store.platform_selected': ConsumerHandler<'store.platform_selected'>;
  'catalog.indexing_progress': ConsumerHandler<'catalog.indexing_progress'>;
  'widget_key.created': ConsumerHandler<'widget_key.created'>;
  'catalog.sync_requested': ConsumerHandler<'catalog.sync_requested'>;
}

/** What registering the features leaves behind for the runtime: the consumers and the scheduled tick. */
export interface SyncWorkerFeatures {
  syncRuns: SyncRuns;
  handlers: SyncWorkerHandlers;
}

export function syncContext(deps: ServiceDeps<SyncWorkerConfig>): SyncContext {
  const { config, db, outbox, logger } = deps;
  return { config, db: db.as<CatalogTables>(), outbox, logger };
}

export async function buildSyncWorker(
  deps: ServiceDeps<SyncWorkerConfig>,
  parts: SyncWorkerParts = {},
): Promise<{ app: App; features: SyncWorkerFeatures }> {
  const { config, db, bus, outbox, logger } = deps;
  const app = await createApp({ name: 'sync-worker', config, db, bus, outbox, logger });
  const features = await registerSyncWorkerFeatures(app, syncContext(deps), parts);
  return { app, features };
}

export async function buildSyncWorkerApp(
  deps: ServiceDeps<SyncWorkerConfig>,
  parts: SyncWorkerParts = {},
): Promise<App> {
  return (await buildSyncWorker(deps, parts)).app;
}

export async function registerSyncWorkerFeatures(
  app: App,
  context: SyncContext,
  parts: SyncWorkerParts = {},
): Promise<SyncWorkerFeatures> {
  // Registered before the features: its onRoute hook guards every merchant route declared after it.
  await app.register(merchantAccess, {
    internalSecret: internalAuthSecret(context.config),
    audience: 'sync-worker',
  });
  const connectors = createConnectorFactory(context);
  const syncRuns = await registerSyncRuns(
    app,
    context,
    { connectorFor: connectors.connectorFor, onRunIndexed },
    parts.syncRuns,
  );
  await app.register(createConnectionsFeature({ context, connectors, syncRuns }));
  await app.register(createWebhooksFeature({ context, syncRuns }));
  await app.register(createOnboardingFeature(context));
  return {
    syncRuns,
    handlers: {
      'store.platform_selected': markPlatformSelected,
      'catalog.indexing_progress': async (envelope, ctx) => {
        await syncRuns.handlers['catalog.indexing_progress'](envelope, ctx);
        await onPushIndexingProgress(ctx.trx as CatalogTransaction, ctx.emit, envelope.payload);
      },
      'widget_key.created': markWidgetKeyCreated,
      'catalog.sync_requested': syncRequestedHandler(syncRuns),
    },
  };
}
