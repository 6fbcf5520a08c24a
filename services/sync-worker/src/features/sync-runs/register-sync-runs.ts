import type { ConsumerHandler, Emit } from '@nlyzer/bus';
import type { WebhookChange } from '@nlyzer/connectors';
import type { App } from '@nlyzer/service-kit';
import type { CatalogTransaction, SyncContext } from '../../sync-context.ts';
import {
  type CatalogImageInspector,
  createCatalogImageInspector,
} from '../catalog-images/catalog-image-inspector.ts';
import { createQualityReportFeature } from '../quality-report/quality-report-feature.ts';
import { indexingProgressHandler } from './indexing-progress.ts';
import type { SyncRunHooks } from './run-processor.ts';
import { createRunWorker } from './run-worker.ts';
import { queueDueSyncs } from './scheduled-syncs.ts';
import { type QueueRunRequest, queueRun } from './sync-run-store.ts';
import { createSyncRunsRoutes } from './sync-runs-routes.ts';
import { applyWebhookChanges } from './webhook-changes.ts';

export type { SyncRunHooks } from './run-processor.ts';
export type { SyncMode, SyncTrigger } from './sync-run-store.ts';

export interface SyncRunOptions {
  /** How often an idle worker looks for runs queued elsewhere (other instances, the tick). */
  pollIntervalMs?: number;
  /** A claimed run not heard of within this is taken over (its worker died); renewed while working. */
  leaseMs?: number;
  /** First retry delay after a retryable failure; doubles per attempt, up to ten minutes. */
  retryBaseMs?: number;
  /** Attempts before a run fails for good (each claim counts one). */
  maxAttempts?: number;
  imageInspector?: CatalogImageInspector;
}

export interface SyncRuns {
  /** Queues a run in the caller's transaction (the store's active run, if any, is returned instead). */
  queueRun(
    trx: CatalogTransaction,
    emit: Emit,
    request: QueueRunRequest,
  ): Promise<{ runId: string; created: boolean }>;
  applyWebhookChanges(storeId: string, changes: WebhookChange[]): Promise<void>;
  /** The scheduled tick: queues due stores' runs; returns how many. */
  tick(now: Date): Promise<number>;
  handlers: { 'catalog.indexing_progress': ConsumerHandler<'catalog.indexing_progress'> };
}

/**
 * Sync runs as durable jobs: the routes, the run worker (from app ready until close), the
 * scheduled tick, webhook changes and indexing progress, over one image inspector.
 */
export async function registerSyncRuns(
  app: App,
  context: SyncContext,
  hooks: SyncRunHooks,
  options: SyncRunOptions = {},
): Promise<SyncRuns> {
  const { config } = context;
  const inspector =
    options.imageInspector ??
    createCatalogImageInspector({
      concurrency: config.IMAGE_FETCH_CONCURRENCY,
      allowPrivateNetworks: config.PLATFORM_FETCH_ALLOW_PRIVATE,
    });
  const worker = createRunWorker(
    {
      context,
      inspector,
      hooks,
      leaseMs: options.leaseMs ?? 60_000,
      retryBaseMs: options.retryBaseMs ?? 30_000,
      maxAttempts: options.maxAttempts ?? 5,
    },
    { concurrency: config.SYNC_CONCURRENCY, pollIntervalMs: options.pollIntervalMs ?? 1000 },
  );
  app.addHook('onReady', async () => worker.start());
  app.addHook('onClose', async () => {
    await worker.stop();
    // An inspector handed in belongs to whoever made it.
    if (options.imageInspector === undefined) await inspector.close();
  });
  await app.register(createSyncRunsRoutes(context, worker.wake));
  await app.register(createQualityReportFeature(context));

  return {
    async queueRun(trx, emit, request) {
      const queued = await queueRun(trx, emit, request);
      // The run is visible once the caller commits; a wake-up now might look too early, so a
      // second one follows shortly (the poll is the backstop).
      if (queued.created) setTimeout(worker.wake, 50).unref();
      return queued;
    },
    applyWebhookChanges: (storeId, changes) => applyWebhookChanges(context, inspector, storeId, changes),
    async tick(now) {
      const queued = await queueDueSyncs(context, now);
      if (queued > 0) worker.wake();
      return queued;
    },
    handlers: { 'catalog.indexing_progress': indexingProgressHandler(hooks) },
  };
}
