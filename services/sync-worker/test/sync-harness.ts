// The sync worker on the tier's database and bus (PGlite + in-process bus, or Postgres 15 +
// the Pub/Sub emulator): its app with the run worker, its consumers, every event it
// publishes captured off the bus, merchant principals signed the way the gateway does, and
// events published as the other services would.
import { randomUUID } from 'node:crypto';
import { busMigrations, createConsumer, createOutbox, type EventBus, type Outbox } from '@nlyzer/bus';
import { openTierBus } from '@nlyzer/bus/testing';
import {
  type Envelope,
  type EventEnvelope,
  type Role,
  type ServiceName,
  TOPICS,
  type TopicName,
  type TopicPayload,
} from '@nlyzer/contracts';
import { type Database, migrate } from '@nlyzer/db';
import {
  type App,
  createApp,
  createLogger,
  INTERNAL_PRINCIPAL_HEADER,
  internalAuthSecret,
  loadConfig,
  signInternalPrincipal,
} from '@nlyzer/service-kit';
import { eventually, type TestDatabase, testDatabase } from '@nlyzer/testing';
import {
  registerSyncWorkerFeatures,
  type SyncWorkerFeatures,
  type SyncWorkerParts,
  syncContext,
} from '../src/app.ts';
import type { CatalogTables } from '../src/catalog-tables.ts';
import { type SyncWorkerConfig, syncWorkerConfigSchema } from '../src/config.ts';
import { service } from '../src/service.ts';
import type { SyncContext } from '../src/sync-context.ts';

const SYNC_WORKER_TOPICS = Object.values(TOPICS)
  .filter((topic) => topic.publisher === 'sync-worker')
  .map((topic) => topic.name as TopicName);

export interface TestSyncWorker {
  app: App;
  db: Database;
  catalog: Database<CatalogTables>;
  context: SyncContext;
  config: SyncWorkerConfig;
  bus: EventBus;
  /** The run worker and the consumers, as registered on the app. */
  features: SyncWorkerFeatures;
  /** Envelopes the sync worker published, as received from the bus. */
  events: EventEnvelope[];
  waitForEvent<T extends TopicName>(topic: T, where?: (e: Envelope<T>) => boolean): Promise<Envelope<T>>;
  /** Drains the sync worker's outbox, then returns the events of `topic` received so far. */
  eventsOf<T extends TopicName>(topic: T): Promise<Envelope<T>[]>;
  /** Headers of a merchant request forwarded by the gateway: a signed principal of the store. */
  merchant(storeId: string, role?: Role): Promise<Record<string, string>>;
  /** Publishes an event as `source` would (through an outbox of its own) and waits until it is relayed. */
  publishAs<T extends TopicName>(
    source: ServiceName,
    storeId: string,
    topic: T,
    payload: TopicPayload<T>,
  ): Promise<void>;
  /**
   * Plays the search service for a run: once the run waits for indexing, reports every
   * product it handed over as indexed (`failed` of them as failed).
   */
  reportRunIndexed(storeId: string, runId: string, options?: { failed?: number }): Promise<void>;
  /** Makes the app ready (and so starts the run worker) when it was built with `deferStart`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestSyncWorkerOptions {
  env?: Record<string, string>;
  parts?: SyncWorkerParts;
  /** Build the app but leave it (and its run worker) unstarted until `start()`. */
  deferStart?: boolean;
  /** The tier's fresh database by default. */
  database?: () => Promise<TestDatabase>;
}

export async function startTestSyncWorker(options: TestSyncWorkerOptions = {}): Promise<TestSyncWorker> {
  const database = await (options.database ?? testDatabase)();
  const { db } = database;
  await migrate(db, [busMigrations, service.migrations]);

  const bus = openTierBus('sync-test');
  const events: EventEnvelope[] = [];
  for (const topic of SYNC_WORKER_TOPICS) {
    await bus.subscribe({
      name: `sync-worker-test.${topic}`,
      topic,
      deliver: async (delivery) => {
        events.push(JSON.parse(delivery.data) as EventEnvelope);
      },
    });
  }
  const logger = createLogger({ service: 'sync-worker', level: 'silent' });
  const outbox = createOutbox({ db, bus, source: 'sync-worker' });
  const config = loadConfig(syncWorkerConfigSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NLYZER_DATA_DIR: 'memory://',
    PLATFORM_FETCH_ALLOW_PRIVATE: 'true',
    ...options.env,
  });
  const deps = { config, db, bus, outbox, logger };
  const context = syncContext(deps);
  const app = await createApp({ name: 'sync-worker', ...deps });
  const features = await registerSyncWorkerFeatures(app, context, {
    ...options.parts,
    syncRuns: { pollIntervalMs: 50, leaseMs: 5_000, retryBaseMs: 50, ...options.parts?.syncRuns },
  });
  for (const [topic, handle] of Object.entries(features.handlers)) {
    await bus.subscribe(
      createConsumer({
        db,
        subscription: `sync-worker.${topic}`,
        topic: topic as TopicName,
        handle: handle as never,
        outbox,
        logger,
        backoff: { baseMs: 20, maxMs: 200 },
      }),
    );
  }
  outbox.start();
  if (!options.deferStart) await app.ready();

  const otherOutboxes = new Map<ServiceName, Outbox>();
  const outboxOf = (source: ServiceName) => {
    let found = otherOutboxes.get(source);
    if (!found) {
      found = createOutbox({ db, bus, source });
      found.start();
      otherOutboxes.set(source, found);
    }
    return found;
  };
  const secret = internalAuthSecret(config);
  const ofTopic = <T extends TopicName>(topic: T) =>
    events.filter((e) => e.event_type === topic) as unknown as Envelope<T>[];

  const worker: TestSyncWorker = {
    app,
    db,
    catalog: db.as<CatalogTables>(),
    context,
    config,
    bus,
    features,
    events,
    async waitForEvent(topic, where = () => true) {
      await outbox.flush();
      return eventually(() => ofTopic(topic).find(where), `a ${topic} event`);
    },
    async eventsOf(topic) {
      await outbox.flush();
      return ofTopic(topic);
    },
    async merchant(storeId, role = 'owner') {
      const principal = await signInternalPrincipal(
        { storeId, role, actor: { kind: 'user', id: randomUUID() }, tier: 'starter' },
        { secret, audience: 'sync-worker' },
      );
      return { [INTERNAL_PRINCIPAL_HEADER]: principal };
    },
    async publishAs(source, storeId, topic, payload) {
      const sender = outboxOf(source);
      await sender.withStore(storeId, (_trx, emit) => emit(topic, payload));
      await sender.flush();
    },
    async reportRunIndexed(storeId, runId, { failed = 0 } = {}) {
      const run = await eventually(
        () =>
          db
            .as<CatalogTables>()
            .withStore(storeId, (trx) =>
              trx
                .selectFrom('catalog.sync_runs')
                .select(['phase', 'indexing_expected'])
                .where('id', '=', runId)
                .where('phase', 'in', ['indexing', 'done'])
                .executeTakeFirst(),
            ),
        `run ${runId} to wait for indexing`,
      );
      // A run that handed search nothing to embed is done without waiting.
      if (run.phase === 'done') return;
      const total = run.indexing_expected;
      await worker.publishAs('search', storeId, 'catalog.indexing_progress', {
        store_id: storeId,
        run_id: runId,
        indexed: total - Math.min(failed, total),
        failed: Math.min(failed, total),
        total,
      });
    },
    start: async () => {
      await app.ready();
    },
    async close() {
      await app.close();
      await outbox.stop();
      for (const sender of otherOutboxes.values()) await sender.stop();
      await bus.close();
      await database.cleanup();
    },
  };
  return worker;
}

/** PGlite's WASM start-up alone can take seconds on a loaded 2-core machine. */
export const SETUP_TIMEOUT_MS = 120_000;

export { eventually };
