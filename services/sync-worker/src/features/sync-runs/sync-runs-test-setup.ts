// Sync runs on the tier's database and bus with a scripted connector per store (the
// connector interface is the seam; the real connectors are tested in their package), a
// real image inspector, the indexing-progress consumer, and every event the runs publish.
import { randomUUID } from 'node:crypto';
import { busMigrations, createConsumer, createOutbox } from '@nlyzer/bus';
import { openTierBus } from '@nlyzer/bus/testing';
import type { CatalogConnector } from '@nlyzer/connectors';
import type { Role } from '@nlyzer/contracts';
import {
  type Envelope,
  type EventEnvelope,
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
  merchantAccess,
  signInternalPrincipal,
} from '@nlyzer/service-kit';
import { eventually, type TestDatabase, testDatabase, tier } from '@nlyzer/testing';
import type { Insertable } from 'kysely';
import type { CatalogTables, ConnectionsTable } from '../../catalog-tables.ts';
import { type SyncWorkerConfig, syncWorkerConfigSchema } from '../../config.ts';
import { type SyncContext, withStoreEvents } from '../../sync-context.ts';
import {
  registerSyncRuns,
  type SyncRunOptions,
  type SyncRuns,
  type SyncTrigger,
} from './register-sync-runs.ts';

const MIGRATIONS = { schema: 'catalog', folder: new URL('../../../migrations/', import.meta.url) };
const PUBLISHED = Object.values(TOPICS)
  .filter((topic) => topic.publisher === 'sync-worker')
  .map((topic) => topic.name as TopicName);

export interface IndexedCall {
  id: string;
  storeId: string;
  trigger: SyncTrigger;
}

export interface SyncRunsSetup {
  db: Database;
  catalog: Database<CatalogTables>;
  config: SyncWorkerConfig;
  /** Connectors by store; a test sets the store's before queueing runs. */
  connectors: Map<string, CatalogConnector>;
  indexedCalls: IndexedCall[];
  events: EventEnvelope[];
  /** The current app (after `restart`, the new one). */
  app: App;
  syncRuns: SyncRuns;
  /** Drains the outbox and returns the events of `topic` received once deliveries went quiet. */
  eventsOf<T extends TopicName>(topic: T): Promise<Envelope<T>[]>;
  merchant(storeId: string, role?: Role): Promise<Record<string, string>>;
  connect(storeId: string, values?: Partial<Omit<Insertable<ConnectionsTable>, 'store_id'>>): Promise<void>;
  queue(storeId: string, mode: 'full' | 'incremental', trigger?: SyncTrigger): Promise<string>;
  waitForRun(storeId: string, runId: string, done?: (run: RunRow) => boolean): Promise<RunRow>;
  publishAsSearch<T extends TopicName>(storeId: string, topic: T, payload: TopicPayload<T>): Promise<void>;
  /** When set and true for an event, emitting it throws (inside the transaction that emits it). */
  failEmit?: (topic: TopicName, payload: unknown) => boolean;
  /** Closes the app (the worker gives its runs back) and builds a new one on the same database and bus. */
  restart(options?: SyncRunOptions): Promise<void>;
  close(): Promise<void>;
}

export type RunRow = Awaited<ReturnType<typeof readRunRow>>;

function readRunRow(catalog: Database<CatalogTables>, storeId: string, runId: string) {
  return catalog.withStore(storeId, (trx) =>
    trx.selectFrom('catalog.sync_runs').selectAll().where('id', '=', runId).executeTakeFirstOrThrow(),
  );
}

export async function startSyncRuns(options: SyncRunOptions = {}): Promise<SyncRunsSetup> {
  const database: TestDatabase = await testDatabase();
  const { db } = database;
  await migrate(db, [busMigrations, MIGRATIONS]);
  const catalog = db.as<CatalogTables>();
  const bus = openTierBus('sync-runs-test');
  const events: EventEnvelope[] = [];
  for (const topic of PUBLISHED) {
    await bus.subscribe({
      name: `sync-runs-test.${topic}`,
      topic,
      deliver: async (delivery) => {
        events.push(JSON.parse(delivery.data) as EventEnvelope);
      },
    });
  }
  const logger = createLogger({ service: 'sync-worker', level: 'silent' });
  const outbox = createOutbox({ db, bus, source: 'sync-worker' });
  const searchOutbox = createOutbox({ db, bus, source: 'search' });
  outbox.start();
  searchOutbox.start();
  const config = loadConfig(syncWorkerConfigSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NLYZER_DATA_DIR: 'memory://',
    PLATFORM_FETCH_ALLOW_PRIVATE: 'true',
  });
  // Fault injection at the outbox seam: an emit that throws rolls back its whole transaction.
  const context: SyncContext = {
    config,
    db: catalog,
    logger,
    outbox: {
      ...outbox,
      withStore: (storeId, fn, ctx) =>
        outbox.withStore(
          storeId,
          (trx, emit) =>
            fn(trx, async (topic, payload) => {
              if (setup.failEmit?.(topic, payload)) throw new Error(`injected failure emitting ${topic}`);
              return emit(topic, payload);
            }),
          ctx,
        ),
    },
  };
  const connectors = new Map<string, CatalogConnector>();
  const indexedCalls: IndexedCall[] = [];
  const hooks = {
    async connectorFor(storeId: string) {
      const connector = connectors.get(storeId);
      if (connector === undefined) throw new Error(`no scripted connector for ${storeId}`);
      return connector;
    },
    async onRunIndexed(_trx: unknown, _emit: unknown, run: IndexedCall) {
      indexedCalls.push(run);
    },
  };

  // The consumer calls whichever app is current, as the service's handler map does.
  let current: { app: App; syncRuns: SyncRuns };
  async function build(runOptions: SyncRunOptions): Promise<{ app: App; syncRuns: SyncRuns }> {
    const app = await createApp({ name: 'sync-worker', config, db, bus, outbox, logger });
    await app.register(merchantAccess, {
      internalSecret: internalAuthSecret(config),
      audience: 'sync-worker',
    });
    const syncRuns = await registerSyncRuns(app, context, hooks, {
      pollIntervalMs: 50,
      leaseMs: 5_000,
      retryBaseMs: 50,
      ...runOptions,
    });
    await app.ready();
    return { app, syncRuns };
  }
  current = await build(options);
  await bus.subscribe(
    createConsumer({
      db,
      subscription: 'sync-worker.catalog.indexing_progress',
      topic: 'catalog.indexing_progress',
      handle: (envelope, ctx) => current.syncRuns.handlers['catalog.indexing_progress'](envelope, ctx),
      outbox,
      logger,
      backoff: { baseMs: 20, maxMs: 200 },
    }),
  );

  const secret = internalAuthSecret(config);
  const setup: SyncRunsSetup = {
    db,
    catalog,
    config,
    connectors,
    indexedCalls,
    events,
    get app() {
      return current.app;
    },
    get syncRuns() {
      return current.syncRuns;
    },
    async eventsOf(topic) {
      await outbox.flush();
      // The emulator delivers a little after the relay: wait for a quiet moment.
      const quietMs = tier() === 'embedded' ? 20 : 400;
      for (let before = -1; before !== events.length; ) {
        before = events.length;
        await new Promise((resolve) => setTimeout(resolve, quietMs));
      }
      return events.filter((e) => e.event_type === topic) as unknown as Envelope<typeof topic>[];
    },
    async merchant(storeId, role = 'owner') {
      const principal = await signInternalPrincipal(
        { storeId, role, actor: { kind: 'user', id: randomUUID() }, tier: 'starter' },
        { secret, audience: 'sync-worker' },
      );
      return { [INTERNAL_PRINCIPAL_HEADER]: principal };
    },
    async connect(storeId, values = {}) {
      await catalog.withStore(storeId, (trx) =>
        trx
          .insertInto('catalog.connections')
          .values({
            store_id: storeId,
            platform: 'custom',
            state: 'connected',
            source: `https://${storeId}.test/feed`,
            ...values,
          })
          .execute(),
      );
    },
    async queue(storeId, mode, trigger = 'manual') {
      const { runId } = await withStoreEvents(outbox, storeId, (trx, emit) =>
        current.syncRuns.queueRun(trx, emit, { storeId, trigger, mode }),
      );
      return runId;
    },
    async waitForRun(storeId, runId, done = (run) => run.state === 'succeeded' || run.state === 'failed') {
      return eventually(async () => {
        const run = await readRunRow(catalog, storeId, runId);
        return done(run) ? run : undefined;
      }, `run ${runId} to settle`);
    },
    async publishAsSearch(storeId, topic, payload) {
      await searchOutbox.withStore(storeId, (_trx, emit) => emit(topic, payload));
      await searchOutbox.flush();
    },
    async restart(runOptions = options) {
      await current.app.close();
      current = await build(runOptions);
    },
    async close() {
      await current.app.close();
      await outbox.stop();
      await searchOutbox.stop();
      await bus.close();
      await database.cleanup();
    },
  };
  return setup;
}

export { type ScriptedCatalog, scriptedConnector, sourceProduct } from './scripted-connector.ts';

export { eventually };
