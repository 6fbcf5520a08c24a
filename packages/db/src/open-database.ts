import { existsSync, openAsBlob } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, type DatabaseConnection, Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { APP_ROLE, type Database, type DatabaseDriver, type OpenDatabaseOptions } from './database.ts';
import { DatabaseError } from './errors.ts';
import { LocalRoleDialect } from './local-role-dialect.ts';
import { createPgliteSession, PgliteDialect, type PgliteSession } from './pglite-dialect.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Owner-role kysely behind each Database, for `migrate` only: never handed to application code. */
const ownerConnections = new WeakMap<Database<any>, Kysely<any>>();

export function ownerKysely(db: Database<any>): Kysely<any> {
  const owner = ownerConnections.get(db);
  if (!owner) throw new TypeError('not a Database created by openDatabase');
  return owner;
}

/** The PGlite session behind a Database, for `serveDatabase`; undefined on postgres. */
const pgliteSessions = new WeakMap<Database, PgliteSession>();

export function pgliteSession(db: Database): PgliteSession | undefined {
  return pgliteSessions.get(db);
}

export async function openDatabase<DB = any>(options: OpenDatabaseOptions = {}): Promise<Database<DB>> {
  return options.url === undefined ? openPglite<DB>(options) : openPostgres<DB>(options);
}

/*
 * Both drivers hand back the same JS values: int8 as a number (a bigint past
 * 2^53, PGlite's own rule) rather than pg's string, and `date` as the
 * 'YYYY-MM-DD' string rather than a Date at some time zone's midnight.
 */
const INT8 = 20;
const INT8_ARRAY = 1016;
const DATE = 1082;

function parseInt8(text: string): number | bigint {
  const value = BigInt(text);
  return value > BigInt(Number.MAX_SAFE_INTEGER) || value < BigInt(Number.MIN_SAFE_INTEGER)
    ? value
    : Number(value);
}

const keepText = (text: string) => text;

const builtinParser = pg.types.getTypeParser as (
  oid: number,
  format?: 'text' | 'binary',
) => (text: string) => unknown;
const parseTextArray = builtinParser(INT8_ARRAY) as (text: string) => (string | null)[];

const pgTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return parseInt8;
    if (oid === DATE) return keepText;
    if (oid === INT8_ARRAY) {
      return (text: string) => parseTextArray(text).map((item) => (item === null ? null : parseInt8(item)));
    }
    return builtinParser(oid, format);
  },
} as pg.CustomTypesConfig;

function createPool(connectionString: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, types: pgTypes });
  // An idle client losing its server (restart, failover) is dropped by the pool and the next
  // query reports it; unhandled, the 'error' event would crash the process instead.
  pool.on('error', () => {});
  return pool;
}

async function openPostgres<DB>(options: OpenDatabaseOptions): Promise<Database<DB>> {
  const url = options.url!;
  const migrationUrl = options.migrationUrl ?? url;
  for (const candidate of [url, migrationUrl]) {
    if (!/^postgres(ql)?:\/\//.test(candidate)) {
      throw new DatabaseError('invalid_url', 'database url must start with postgres:// or postgresql://');
    }
  }
  const appDialect = new PostgresDialect({
    pool: createPool(url, options.poolSize ?? 10),
    // Per connection, not per query: the role holds even when the url logs in as the owner.
    ...(options.sharedSession
      ? {}
      : {
          onCreateConnection: async (connection: DatabaseConnection) => {
            await connection.executeQuery(CompiledQuery.raw(`set role ${APP_ROLE}`));
          },
        }),
  });
  const app = new Kysely<DB>({
    dialect: options.sharedSession ? new LocalRoleDialect(appDialect, APP_ROLE) : appDialect,
  });
  const owner = new Kysely<any>({
    dialect: new PostgresDialect({
      pool: createPool(migrationUrl, 2),
    }),
  });
  return createDatabase<DB>({
    driver: 'postgres',
    app,
    owner,
    close: async () => {
      await Promise.all([app.destroy(), owner.destroy()]);
    },
  });
}

async function createPglite(options: OpenDatabaseOptions): Promise<PGlite> {
  const parsers = { [DATE]: keepText };
  const dataDir = options.dataDir === 'memory://' ? undefined : options.dataDir;
  const isNew = dataDir === undefined || !existsSync(path.join(dataDir, 'PG_VERSION'));
  const fromTemplate = async (file: string) =>
    PGlite.create({ dataDir, loadDataDir: await openAsBlob(file), parsers });
  if (!isNew) return PGlite.create({ dataDir, parsers });
  if (options.pgliteTemplate) return fromTemplate(options.pgliteTemplate);
  if (!options.pgliteTemplateCache) return PGlite.create({ dataDir, parsers });
  const cached = path.join(options.pgliteTemplateCache, `pglite-${await pgliteRelease()}.tar`);
  if (existsSync(cached)) return fromTemplate(cached);
  const pglite = await PGlite.create({ dataDir, parsers });
  // Still pristine: the next new database starts from it. A cache, so a failed write only costs time.
  await dumpTemplate(pglite, cached).catch(() => {});
  return pglite;
}

/** A cluster tarball loads into the PGlite release that wrote it: cached templates are named by it. */
async function pgliteRelease(): Promise<string> {
  const manifest = new URL('../package.json', import.meta.resolve('@electric-sql/pglite'));
  return (JSON.parse(await readFile(manifest, 'utf8')) as { version: string }).version;
}

async function dumpTemplate(pglite: PGlite, file: string): Promise<void> {
  const dump = await pglite.dumpDataDir('none');
  await mkdir(path.dirname(file), { recursive: true });
  // Written aside and renamed: a concurrent reader sees the whole tarball or none.
  const partial = `${file}.${process.pid}.partial`;
  try {
    await writeFile(partial, new Uint8Array(await dump.arrayBuffer()));
    await rename(partial, file);
  } finally {
    await rm(partial, { force: true });
  }
}

/**
 * Writes a tarball of a freshly initialised PGlite cluster to `file`, for
 * `openDatabase({ pgliteTemplate: file })`: loading it takes a fraction of
 * the seconds initdb takes, which adds up over many in-memory test databases.
 */
export async function writePgliteTemplate(file: string): Promise<void> {
  const pglite = await PGlite.create();
  try {
    await dumpTemplate(pglite, file);
  } finally {
    await pglite.close();
  }
}

async function openPglite<DB>(options: OpenDatabaseOptions): Promise<Database<DB>> {
  const pglite = await createPglite(options);
  const session = createPgliteSession(pglite);
  const app = new Kysely<DB>({ dialect: new PgliteDialect({ session, role: APP_ROLE }) });
  const owner = new Kysely<any>({ dialect: new PgliteDialect({ session, role: null }) });
  return createDatabase<DB>({
    driver: 'pglite',
    app,
    owner,
    session,
    close: async () => {
      await Promise.all([app.destroy(), owner.destroy()]);
      // Wait for whoever holds the single connection to finish before closing under it.
      await session.mutex.runExclusive(() => pglite.close());
    },
  });
}

interface DatabaseParts<DB> {
  driver: DatabaseDriver;
  app: Kysely<DB>;
  owner: Kysely<any>;
  session?: PgliteSession;
  close(): Promise<void>;
}

function createDatabase<DB>(parts: DatabaseParts<DB>): Database<DB> {
  const { app, session } = parts;
  // On PGlite the transaction owns the only connection: mark the flow so a
  // stray `db.kysely` or nested transaction inside it fails instead of hanging.
  const holding = <T>(fn: () => Promise<T>): Promise<T> => (session ? session.holder.run(session, fn) : fn());
  let closing: Promise<void> | undefined;

  const db: Database<DB> = {
    driver: parts.driver,
    kysely: app,
    transaction: (fn) => app.transaction().execute((trx) => holding(() => fn(trx))),
    withStore: (storeId, fn) => {
      if (typeof storeId !== 'string' || !UUID.test(storeId)) {
        return Promise.reject(
          new DatabaseError('invalid_store_id', `store id must be a uuid, got ${JSON.stringify(storeId)}`),
        );
      }
      return db.transaction(async (trx) => {
        await sql`select set_config('app.store_id', ${storeId}, true)`.execute(trx);
        return fn(trx);
      });
    },
    as: <Other>() => db as unknown as Database<Other>,
    ping: async () => {
      await sql`select 1`.execute(app);
    },
    close: () => {
      closing ??= parts.close();
      return closing;
    },
  };
  ownerConnections.set(db, parts.owner);
  if (session) pgliteSessions.set(db, session);
  return db;
}
