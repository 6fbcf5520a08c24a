export {
  buildSyncWorker,
  buildSyncWorkerApp,
  registerSyncWorkerFeatures,
  type SyncWorkerFeatures,
  type SyncWorkerHandlers,
  type SyncWorkerParts,
  syncContext,
} from './app.ts';
export { type SyncWorkerConfig, syncWorkerConfigSchema } from './config.ts';
export { service } from './service.ts';
