// The search service as it runs, for the benches: its database (PGlite in memory, or
// DATABASE_URL) migrated like the runtime does, an outbox whose relay runs, and the app
// from buildSearchApp with its indexing worker. The bench keeps the embedder registry and
// vector indexes it hands the app (built by the same factories the app would use), so it
// can time their parts on their own.
import { randomUUID } from 'node:crypto';
import { busMigrations, createInProcessBus, createOutbox, type EventBus, type Outbox } from '@nlyzer/bus';
import { type Database, migrate, openDatabase } from '@nlyzer/db';
import { signWidgetToken, widgetTokenSecret } from '@nlyzer/gateway';
import { type App, createLogger, type Env, loadConfig } from '@nlyzer/service-kit';
import { startPostgres } from '@nlyzer/testing';
import { buildSearchApp, searchContext } from '../src/app.ts';
import { type SearchConfig, searchConfigSchema } from '../src/config.ts';
import { upsertCatalogProducts } from '../src/features/catalog/catalog-writes.ts';
import { demoCatalogProducts } from '../src/features/demo/demo-catalog.ts';
import { createEmbedderRegistry } from '../src/indexes/embedder-registry.ts';
import { createVectorIndexes } from '../src/indexes/vector-indexes.ts';
import type { SearchContext } from '../src/search-context.ts';
import { service } from '../src/service.ts';
import type { BenchCatalog } from './bench-photos.ts';
import { BENCH_CACHE, progress, round } from './bench-report.ts';

export const BENCH_ORIGIN = 'https://shop.bench.example';

export interface BenchDatabase {
  db: Database;
  /** pglite, postgres (DATABASE_URL) or postgres-15-local (a throwaway cluster). */
  kind: string;
  close(): Promise<void>;
}

/**
 * DATABASE_URL when given; else a throwaway Postgres 15 cluster when asked (the server's
 * work then runs in its own processes, as with Cloud SQL); else PGlite in memory, which
 * runs every query on the service's main thread.
 */
export async function openBenchDatabase(options: {
  databaseUrl: string | undefined;
  throwawayPostgres: boolean;
}): Promise<BenchDatabase> {
  const cluster =
    options.databaseUrl === undefined && options.throwawayPostgres ? await startPostgres() : null;
  const url = options.databaseUrl ?? cluster?.url;
  const db = await openDatabase(url === undefined ? { pgliteTemplateCache: BENCH_CACHE } : { url });
  await migrate(db, [busMigrations, service.migrations]);
  return {
    db,
    kind: cluster !== null ? 'postgres-15-local' : url !== undefined ? 'postgres' : 'pglite',
    async close() {
      await db.close();
      await cluster?.stop();
    },
  };
}

export interface BenchSearch {
  app: App;
  config: SearchConfig;
  /** What the app's features are built from: the same database, outbox, embedders and indexes. */
  context: SearchContext;
  /** Base URL when started with `listen`. */
  url: string | null;
  close(): Promise<void>;
}

/**
 * Request logs stay at the service's level (their cost is part of a search) but only
 * warnings and errors reach stderr, so a load test does not flood the terminal.
 */
const quietDestination = {
  write(line: string) {
    if (/"severity":"(WARNING|ERROR|CRITICAL)"/.test(line)) process.stderr.write(line);
  },
};

export async function startBenchSearch(
  db: Database,
  env: Env,
  options: { listen: boolean },
): Promise<BenchSearch> {
  const config = loadConfig(searchConfigSchema, env);
  const logger = createLogger({ service: 'search', level: config.LOG_LEVEL }, quietDestination);
  const bus: EventBus = createInProcessBus();
  const outbox: Outbox = createOutbox({ db, bus, source: 'search', logger });
  const deps = { config, db, bus, outbox, logger };
  const parts = { embedders: createEmbedderRegistry(config), indexes: createVectorIndexes(config) };
  const app = await buildSearchApp(deps, parts);
  await app.ready();
  outbox.start();
  const url = options.listen ? await app.listen({ port: 0, host: '127.0.0.1' }) : null;
  return {
    app,
    config,
    context: searchContext(deps, parts),
    url,
    async close() {
      await app.close();
      await outbox.stop();
      await bus.close();
    },
  };
}

/** A widget token of the top tier (the highest per-store search limit) for the bench's origin. */
export async function benchWidgetToken(config: SearchConfig, storeId: string): Promise<string> {
  const claims = { storeId, keyId: randomUUID(), origin: BENCH_ORIGIN, tier: 'enterprise' as const };
  return (await signWidgetToken(claims, widgetTokenSecret(config))).token;
}

export interface LoadedStore {
  products: number;
  images: number;
  failed: number;
  /** From the first upsert until the indexing worker had every product indexed. */
  seconds: number;
}

/** Upserts the catalog's products through the catalog API's code and waits for the indexing worker. */
export async function loadStore(
  search: BenchSearch,
  storeId: string,
  catalog: BenchCatalog,
): Promise<LoadedStore> {
  const started = performance.now();
  for await (const batch of demoCatalogProducts(catalog)) {
    await upsertCatalogProducts(search.context, storeId, batch, { source: 'api' });
  }
  const products = catalog.manifest.products.length;
  progress(`store: ${products} products upserted, indexing`);
  const failed = await waitIndexed(search.context, storeId, products);
  const images = catalog.manifest.products.reduce((sum, product) => sum + product.images.length, 0);
  return { products, images, failed, seconds: round((performance.now() - started) / 1000, 1) };
}

/** Resolves with the number of failed products once none is pending and the queue is empty. */
export async function waitIndexed(
  context: SearchContext,
  storeId: string,
  expected: number,
): Promise<number> {
  let reportedAt = performance.now();
  for (;;) {
    const { states, queued } = await context.db.withStore(storeId, async (trx) => ({
      states: await trx
        .selectFrom('search.products')
        .select(['index_state', (eb) => eb.fn.countAll<number>().as('count')])
        .where('store_id', '=', storeId)
        .groupBy('index_state')
        .execute(),
      queued: (
        await trx
          .selectFrom('search.indexing_queue')
          .select((eb) => eb.fn.countAll<number>().as('count'))
          .where('store_id', '=', storeId)
          .executeTakeFirstOrThrow()
      ).count,
    }));
    const count = (state: string) => Number(states.find((row) => row.index_state === state)?.count ?? 0);
    const total = states.reduce((sum, row) => sum + Number(row.count), 0);
    if (total >= expected && count('pending') === 0 && Number(queued) === 0) return count('failed');
    if (performance.now() - reportedAt > 10_000) {
      reportedAt = performance.now();
      progress(`store: ${count('indexed')}/${expected} indexed, ${count('failed')} failed`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export interface SearchResponseBody {
  results: { external_id: string; score: number; categories: string[] }[];
  confidence: number;
  concierge_requested: boolean;
  latency_ms: number;
  cached: boolean;
}
