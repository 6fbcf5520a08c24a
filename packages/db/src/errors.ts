/** The closed set of failures the db package reports itself. */
export const DATABASE_ERROR_CODES = [
  /** `withStore` got something that is not a uuid. */
  'invalid_store_id',
  /** A migration's `up` failed; `migration` names it. */
  'migration_failed',
  /** A migration folder could not be read or a file exports no `up`. */
  'migration_folder_invalid',
  /** A query was started on PGlite while the same async flow already holds its only connection. */
  'connection_reentered',
  /** The url is not a postgres:// url. */
  'invalid_url',
  /** `serveDatabase` was given a database that is not PGlite. */
  'not_pglite',
] as const;

export type DatabaseErrorCode = (typeof DATABASE_ERROR_CODES)[number];

export class DatabaseError extends Error {
  override readonly name = 'DatabaseError';
  readonly code: DatabaseErrorCode;
  /** For `migration_failed`: `<schema>/<migration name>`. */
  readonly migration: string | undefined;

  constructor(code: DatabaseErrorCode, message: string, options?: { cause?: unknown; migration?: string }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.migration = options?.migration;
  }
}

/** SQLSTATE of an error from either driver (pg and PGlite both set `code`), following `cause`. */
export function sqlState(err: unknown): string | undefined {
  for (let current = err, depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export const SQLSTATE = {
  uniqueViolation: '23505',
  foreignKeyViolation: '23503',
  checkViolation: '23514',
  /** Raised by RLS WITH CHECK when a row for another store is written. */
  insufficientPrivilege: '42501',
  serializationFailure: '40001',
  deadlockDetected: '40P01',
} as const;

export function isUniqueViolation(err: unknown): boolean {
  return sqlState(err) === SQLSTATE.uniqueViolation;
}
