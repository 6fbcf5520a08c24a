import type { Kysely, Transaction } from 'kysely';

/** Role every application query runs as. Row-level security applies to it. */
export const APP_ROLE = 'nlyzer_app';

export type DatabaseDriver = 'pglite' | 'postgres';

export interface OpenDatabaseOptions {
  /** postgres://… → `pg` pool. Absent → PGlite. */
  url?: string;
  /** Owner connection for migrations (defaults to `url`). */
  migrationUrl?: string;
  /** PGlite data directory; absent or 'memory://' → in-memory. */
  dataDir?: string;
  /** PGlite: a new database (in memory, or a dataDir not initialised yet) starts from this tarball (`writePgliteTemplate`) instead of running initdb. */
  pgliteTemplate?: string;
  /**
   * PGlite, without `pgliteTemplate`: a folder keeping one such tarball per PGlite release. A new
   * database starts from it, or, when there is none yet, runs initdb and writes it for the next.
   */
  pgliteTemplateCache?: string;
  /** pg pool size. */
  poolSize?: number;
  /**
   * The server behind `url` runs every connection in one shared session (a
   * PGlite served by `serveDatabase`, as `nlyzer dev` does): set the app role per
   * transaction instead of per connection, so other clients keep theirs.
   */
  sharedSession?: boolean;
}

/**
 * One interface over PGlite and `pg`. Every query made through `withStore` or
 * `transaction` runs as APP_ROLE, so RLS applies even when a query forgets its
 * `store_id` filter.
 */
export interface Database<DB = any> {
  readonly driver: DatabaseDriver;
  /** A transaction scoped to one store: `app.store_id` is set for its duration. */
  withStore<T>(storeId: string, fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /** A transaction with no store set: RLS tables read as empty. For infra tables (outbox, dead letters). */
  transaction<T>(fn: (trx: Transaction<DB>) => Promise<T>): Promise<T>;
  /** Queries outside a transaction, as APP_ROLE (no store set). */
  readonly kysely: Kysely<DB>;
  /** Narrow the row types to a service's own schema. Same connection. */
  as<Other>(): Database<Other>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** One owner of a Postgres schema and its dated, frozen migrations. */
export interface MigrationSet {
  /** Postgres schema the set owns; its kysely_migration table lives there too. */
  schema: string;
  /** Folder of migration files (`YYYY-MM-DDTHHMM-name.ts`), each exporting up/down. */
  folder: URL;
}
