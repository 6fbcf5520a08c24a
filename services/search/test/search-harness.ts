// The search service on the tier's database and bus (PGlite + in-process bus, or Postgres 15 +
// the Pub/Sub emulator): its app with the indexing worker, its consumers, every event it
// publishes captured off the bus, and merchant principals signed the way the gateway does.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { busMigrations, createConsumer, createOutbox, type EventBus } from '@nlyzer/bus';
import { openTierBus } from '@nlyzer/bus/testing';
import { type EventEnvelope, type Role, TOPICS, type TopicName, type TopicPayload } from '@nlyzer/contracts';
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
import { registerSearchFeatures, type SearchParts, searchContext } from '../src/app.ts';
import { type SearchConfig, searchConfigSchema } from '../src/config.ts';
import type { CatalogIndexingOptions } from '../src/features/catalog/register-catalog.ts';
import type { SearchContext } from '../src/search-context.ts';
import type { SearchTables } from '../src/search-tables.ts';
import { service } from '../src/service.ts';

const SEARCH_TOPICS = Object.values(TOPICS)
  .filter((topic) => topic.publisher === 'search')
  .map((topic) => topic.name as TopicName);

export interface TestSearch {
  app: App;
  db: Database;
  search: Database<SearchTables>;
  context: SearchContext;
  config: SearchConfig;
  bus: EventBus;
  /** Where the local vector index keeps its snapshots (a fresh temporary folder). */
  vectorIndexDir: string;
  /** Envelopes the search service published, as received from the bus. */
  events: EventEnvelope[];
  waitForEvent(topic: TopicName, where?: (e: EventEnvelope) => boolean): Promise<EventEnvelope>;
  /** Headers of a merchant request forwarded by the gateway: a signed principal of the store. */
  merchant(storeId: string, role?: Role): Promise<Record<string, string>>;
  /** Publishes an event as the sync worker would (through its own outbox). */
  publishAsSyncWorker<T extends TopicName>(
    storeId: string,
    topic: T,
    payload: TopicPayload<T>,
  ): Promise<void>;
  /** Makes the app ready (and so starts the indexing worker) when it was built with `deferStart`. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface TestSearchOptions {
  env?: Record<string, string>;
  parts?: SearchParts;
  catalog?: CatalogIndexingOptions;
  /** Build the app but leave it (and its indexing worker) unstarted until `start()`. */
  deferStart?: boolean;
  /** The tier's fresh database by default. */
  database?: () => Promise<TestDatabase>;
}

export async function startTestSearch(options: TestSearchOptions = {}): Promise<TestSearch> {
  const database = await (options.database ?? testDatabase)();
  const { db } = database;
  await migrate(db, [busMigrations, service.migrations]);
  const vectorIndexDir = await mkdtemp(path.join(tmpdir(), 'search-vectors-'));

  const bus = openTierBus('search-test');
  const events: EventEnvelope[] = [];
  for (const topic of SEARCH_TOPICS) {
    await bus.subscribe({
      name: `search-test.${topic}`,
      topic,
      deliver: async (delivery) => {
        events.push(JSON.parse(delivery.data) as EventEnvelope);
      },
    });
  }
  const logger = createLogger({ service: 'search', level: 'silent' });
  const outbox = createOutbox({ db, bus, source: 'search' });
  const syncOutbox = createOutbox({ db, bus, source: 'sync-worker' });
  for (const [topic, handle] of Object.entries(service.handlers ?? {})) {
    await bus.subscribe(
      createConsumer({
        db,
        subscription: `search.${topic}`,
        topic: topic as TopicName,
        handle: handle as never,
        outbox,
        logger,
        backoff: { baseMs: 20, maxMs: 200 },
      }),
    );
  }
  outbox.start();
  syncOutbox.start();

  const config = loadConfig(searchConfigSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NLYZER_DATA_DIR: 'memory://',
    VECTOR_INDEX_DIR: vectorIndexDir,
    ...options.env,
  });
  const deps = { config, db, bus, outbox, logger };
  const context = searchContext(deps, options.parts);
  const app = await createApp({ name: 'search', ...deps });
  await registerSearchFeatures(app, context, {
    catalog: { pollIntervalMs: 100, retryBaseMs: 50, persistDelayMs: 200, ...options.catalog },
  });
  if (!options.deferStart) await app.ready();

  const secret = internalAuthSecret(config);
  return {
    app,
    db,
    search: db.as<SearchTables>(),
    context,
    config,
    bus,
    vectorIndexDir,
    events,
    async waitForEvent(topic, where = () => true) {
      await outbox.flush();
      return eventually(() => events.find((e) => e.event_type === topic && where(e)), `a ${topic} event`);
    },
    async merchant(storeId, role = 'owner') {
      const principal = await signInternalPrincipal(
        { storeId, role, actor: { kind: 'user', id: randomUUID() }, tier: 'starter' },
        { secret, audience: 'search' },
      );
      return { [INTERNAL_PRINCIPAL_HEADER]: principal };
    },
    async publishAsSyncWorker(storeId, topic, payload) {
      await syncOutbox.withStore(storeId, (_trx, emit) => emit(topic, payload));
      await syncOutbox.flush();
    },
    start: async () => {
      await app.ready();
    },
    async close() {
      await app.close();
      await outbox.stop();
      await syncOutbox.stop();
      await bus.close();
      await database.cleanup();
      await rm(vectorIndexDir, { recursive: true, force: true });
    },
  };
}

/** PGlite's WASM start-up alone can take seconds on a loaded 2-core machine. */
export const SETUP_TIMEOUT_MS = 120_000;

export { eventually };
