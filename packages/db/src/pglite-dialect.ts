import { AsyncLocalStorage } from 'node:async_hooks';
import { Mutex, type PGlite } from '@electric-sql/pglite';
import {
  AbortedTransactionError,
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import { DatabaseError } from './errors.ts';

/**
 * The one PGlite backend and what is true of its single session. PGlite has
 * one connection: every kysely instance built over it shares this mutex so a
 * transaction owns the session from BEGIN to COMMIT and others queue.
 */
export interface PgliteSession {
  readonly pglite: PGlite;
  readonly mutex: Mutex;
  /**
   * Role the session is switched to: null for the login role (`postgres`), undefined while
   * unknown because a served client (serve-database.ts) had the session last.
   */
  currentRole: string | null | undefined;
  /** `current_setting('role')` served clients left the session in ('none': the login role), given back to them after in-process work. */
  servedRole: string;
  /** Marks async flows that already hold the session, to fail fast instead of deadlocking. */
  readonly holder: AsyncLocalStorage<PgliteSession>;
}

export function createPgliteSession(pglite: PGlite): PgliteSession {
  return {
    pglite,
    mutex: new Mutex(),
    currentRole: null,
    servedRole: 'none',
    holder: new AsyncLocalStorage(),
  };
}

export interface PgliteDialectConfig {
  session: PgliteSession;
  /** Role every connection handed out by this dialect runs as; null keeps the login role (owner). */
  role: string | null;
}

export class PgliteDialect implements Dialect {
  readonly #config: PgliteDialectConfig;

  constructor(config: PgliteDialectConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new PgliteDriver(this.#config);
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new PostgresAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new PostgresIntrospector(db);
  }
}

const MUTATING_COMMANDS = new Set(['INSERT', 'UPDATE', 'DELETE', 'MERGE']);

class PgliteConnection implements DatabaseConnection {
  readonly #pglite: PGlite;

  constructor(pglite: PGlite) {
    this.#pglite = pglite;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Without parameters use the simple protocol, like `pg` does, so raw
    // multi-statement SQL (migrations) behaves the same on both drivers.
    const result =
      compiledQuery.parameters.length === 0
        ? (await this.#pglite.exec(compiledQuery.sql)).at(-1)
        : await this.#pglite.query<R>(compiledQuery.sql, [...compiledQuery.parameters]);
    const command = result?.command?.toUpperCase();
    if (command === 'COMMIT' || command === 'ROLLBACK') return { rows: [{ command } as R] };
    return {
      numAffectedRows:
        command && MUTATING_COMMANDS.has(command) ? BigInt(result?.affectedRows ?? 0) : undefined,
      rows: (result?.rows ?? []) as R[],
    };
  }

  async *streamQuery<R>(
    compiledQuery: CompiledQuery,
    chunkSize: number,
  ): AsyncIterableIterator<QueryResult<R>> {
    // PGlite has no cursors: the result is already in memory, hand it out in chunks.
    const { rows } = await this.executeQuery<R>(compiledQuery);
    for (let start = 0; start < rows.length; start += chunkSize) {
      yield { rows: rows.slice(start, start + chunkSize) };
    }
  }
}

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

class PgliteDriver implements Driver {
  readonly #session: PgliteSession;
  readonly #role: string | null;
  readonly #connection: PgliteConnection;
  #release: (() => void) | undefined;

  constructor(config: PgliteDialectConfig) {
    this.#session = config.session;
    this.#role = config.role;
    this.#connection = new PgliteConnection(config.session.pglite);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    if (this.#session.holder.getStore() === this.#session) {
      throw new DatabaseError(
        'connection_reentered',
        'PGlite has one connection and this async flow already holds it: use the transaction handle (trx) instead of db.kysely or a nested withStore/transaction',
      );
    }
    const release = await this.#session.mutex.acquire();
    try {
      await this.#switchRole();
    } catch (err) {
      release();
      throw err;
    }
    this.#release = release;
    return this.#connection;
  }

  /** Session-level SET ROLE, issued only when the holder before us ran as someone else. */
  async #switchRole(): Promise<void> {
    const session = this.#session;
    if (session.currentRole === this.#role) return;
    const switchRole = this.#role === null ? 'reset role' : `set role ${quoteIdentifier(this.#role)}`;
    if (session.currentRole === undefined) {
      // Served clients had the session: note the role they left it in, in the same round trip.
      const [served] = await session.pglite.exec(`select current_setting('role') as role; ${switchRole}`);
      session.servedRole = (served?.rows[0] as { role: string } | undefined)?.role ?? 'none';
    } else {
      await session.pglite.exec(switchRole);
    }
    session.currentRole = this.#role;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const modes = [
      settings.isolationLevel ? `isolation level ${settings.isolationLevel}` : '',
      settings.accessMode ?? '',
    ].filter(Boolean);
    await connection.executeQuery(
      CompiledQuery.raw(modes.length ? `start transaction ${modes.join(' ')}` : 'begin'),
    );
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const { rows } = await connection.executeQuery<{ command?: string }>(CompiledQuery.raw('commit'));
    if (rows[0]?.command === 'ROLLBACK') throw new AbortedTransactionError();
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release savepoint ${quoteIdentifier(name)}`));
  }

  async releaseConnection(): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    release?.();
  }

  /** The PGlite instance outlives the kysely instances over it; the Database closes it. */
  async destroy(): Promise<void> {}
}
