import {
  CompiledQuery,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/**
 * For a server that multiplexes every client connection onto one session (a
 * PGlite served by `serveDatabase`): a session-level SET ROLE would switch every
 * other client too, so the role is set per transaction with SET LOCAL, and a
 * query outside a transaction runs in a transaction of its own. The server
 * keeps a transaction's statements together.
 */
export class LocalRoleDialect implements Dialect {
  readonly #inner: Dialect;
  readonly #role: string;

  constructor(inner: Dialect, role: string) {
    this.#inner = inner;
    this.#role = role;
  }

  createDriver(): Driver {
    return new LocalRoleDriver(this.#inner.createDriver(), CompiledQuery.raw(`set local role ${this.#role}`));
  }

  createQueryCompiler(): QueryCompiler {
    return this.#inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.#inner.createAdapter();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return this.#inner.createIntrospector(db);
  }
}

class LocalRoleConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  readonly #setRole: CompiledQuery;
  inTransaction = false;

  constructor(inner: DatabaseConnection, setRole: CompiledQuery) {
    this.inner = inner;
    this.#setRole = setRole;
  }

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    if (this.inTransaction) return this.inner.executeQuery<R>(query);
    await this.inner.executeQuery(CompiledQuery.raw('begin'));
    try {
      await this.inner.executeQuery(this.#setRole);
      const result = await this.inner.executeQuery<R>(query);
      await this.inner.executeQuery(CompiledQuery.raw('commit'));
      return result;
    } catch (err) {
      await this.inner.executeQuery(CompiledQuery.raw('rollback'));
      throw err;
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize: number): AsyncIterableIterator<QueryResult<R>> {
    // Streams are read in one go here: a cursor would need the transaction to outlive this call.
    const { rows } = await this.executeQuery<R>(query);
    for (let start = 0; start < rows.length; start += chunkSize) {
      yield { rows: rows.slice(start, start + chunkSize) };
    }
  }
}

class LocalRoleDriver implements Driver {
  readonly #inner: Driver;
  readonly #setRole: CompiledQuery;
  readonly #wrapped = new WeakMap<DatabaseConnection, LocalRoleConnection>();

  constructor(inner: Driver, setRole: CompiledQuery) {
    this.#inner = inner;
    this.#setRole = setRole;
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.#inner.acquireConnection();
    let connection = this.#wrapped.get(inner);
    if (!connection) {
      connection = new LocalRoleConnection(inner, this.#setRole);
      this.#wrapped.set(inner, connection);
    }
    return connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const local = connection as LocalRoleConnection;
    await this.#inner.beginTransaction(local.inner, settings);
    local.inTransaction = true;
    await local.inner.executeQuery(this.#setRole);
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const local = connection as LocalRoleConnection;
    try {
      await this.#inner.commitTransaction(local.inner);
    } finally {
      local.inTransaction = false;
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const local = connection as LocalRoleConnection;
    try {
      await this.#inner.rollbackTransaction(local.inner);
    } finally {
      local.inTransaction = false;
    }
  }

  async savepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#inner.savepoint?.((connection as LocalRoleConnection).inner, name, compileQuery);
  }

  async rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#inner.rollbackToSavepoint?.((connection as LocalRoleConnection).inner, name, compileQuery);
  }

  async releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compileQuery: QueryCompiler['compileQuery'],
  ): Promise<void> {
    await this.#inner.releaseSavepoint?.((connection as LocalRoleConnection).inner, name, compileQuery);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.#inner.releaseConnection((connection as LocalRoleConnection).inner);
  }

  destroy(): Promise<void> {
    return this.#inner.destroy();
  }
}
