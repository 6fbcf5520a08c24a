export {
  APP_ROLE,
  type Database,
  type DatabaseDriver,
  type MigrationSet,
  type OpenDatabaseOptions,
} from './database.ts';
export {
  DATABASE_ERROR_CODES,
  DatabaseError,
  type DatabaseErrorCode,
  isUniqueViolation,
  SQLSTATE,
  sqlState,
} from './errors.ts';
export { type MigrationSetResult, migrate } from './migrate.ts';
export { openDatabase, writePgliteTemplate } from './open-database.ts';
export { type ServeDatabaseOptions, type ServedDatabase, serveDatabase } from './serve-database.ts';
