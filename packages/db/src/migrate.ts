import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type Kysely, sql } from 'kysely';
import { FileMigrationProvider, type MigrationResult, Migrator } from 'kysely/migration';
import { APP_ROLE, type Database, type MigrationSet } from './database.ts';
import { DatabaseError } from './errors.ts';
import { ownerKysely } from './open-database.ts';

export interface MigrationSetResult {
  /** The set's schema; `public` for the db package's own base set. */
  schema: string;
  /** Migrations applied by this run, in order (empty when already up to date). */
  applied: string[];
}

const MIGRATION_FILE = /^\d{4}-\d{2}-\d{2}T\d{4}-[a-z0-9]+(-[a-z0-9]+)*\.ts$/;
const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

/** The db package's own set: the app role and `public.nlyzer_enable_store_rls`. */
const BASE_SET = { schema: 'public', folder: new URL('../migrations/', import.meta.url) };
const BASE_MIGRATION_TABLE = 'nlyzer_db_migration';

/** Serialises concurrent `migrate` calls on one database (several services starting at once). */
const MIGRATE_LOCK_KEY = 'nlyzer.migrate';

/**
 * Brings every set up to date, as the owner: the base set first, then each
 * set in its own schema with its own `kysely_migration` table there. A
 * failing migration rolls its set back and throws `migration_failed` naming it.
 */
export async function migrate(
  db: Database<any>,
  sets: readonly MigrationSet[],
): Promise<MigrationSetResult[]> {
  for (const set of sets) {
    if (!SCHEMA_NAME.test(set.schema) || set.schema === 'public') {
      throw new DatabaseError(
        'migration_folder_invalid',
        `migration set schema ${JSON.stringify(set.schema)} is not a plain lowercase name other than public`,
      );
    }
  }
  return ownerKysely(db)
    .connection()
    .execute(async (owner) => {
      await sql`select pg_advisory_lock(hashtext(${MIGRATE_LOCK_KEY}))`.execute(owner);
      try {
        const results = [await runSet(owner, BASE_SET, BASE_MIGRATION_TABLE)];
        for (const set of sets) {
          await prepareSchema(owner, set.schema);
          results.push(await runSet(owner, set));
        }
        return results;
      } finally {
        await sql`select pg_advisory_unlock(hashtext(${MIGRATE_LOCK_KEY}))`.execute(owner);
      }
    });
}

/** The schema, usable by the app role, and the app role's rights on every table and sequence created in it later. */
async function prepareSchema(owner: Kysely<any>, schema: string): Promise<void> {
  const name = sql.id(schema);
  const role = sql.id(APP_ROLE);
  await owner.schema.createSchema(schema).ifNotExists().execute();
  await sql`grant usage on schema ${name} to ${role}`.execute(owner);
  await sql`alter default privileges in schema ${name} grant select, insert, update, delete on tables to ${role}`.execute(
    owner,
  );
  await sql`alter default privileges in schema ${name} grant usage, select on sequences to ${role}`.execute(
    owner,
  );
}

async function runSet(
  owner: Kysely<any>,
  set: MigrationSet,
  migrationTableName?: string,
): Promise<MigrationSetResult> {
  const folder = fileURLToPath(set.folder);
  const migrator = new Migrator({
    db: owner,
    migrationTableSchema: set.schema,
    ...(migrationTableName
      ? { migrationTableName, migrationLockTableName: `${migrationTableName}_lock` }
      : {}),
    provider: new FileMigrationProvider({
      fs: { readdir: (dir) => listMigrationFiles(dir, set.schema) },
      path,
      migrationFolder: folder,
      import: (file) => import(pathToFileURL(file).href),
      onFileIgnored: (file, reason) => {
        if (reason === 'NotMigration') {
          throw new DatabaseError(
            'migration_folder_invalid',
            `${set.schema}/${file} does not export an up function`,
          );
        }
      },
    }),
  });
  const { error, results = [] } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results.find((result: MigrationResult) => result.status === 'Error')?.migrationName;
    const where = failed ? `${set.schema}/${failed}` : set.schema;
    if (error instanceof DatabaseError) throw error;
    throw new DatabaseError('migration_failed', `migration ${where} failed: ${describe(error)}`, {
      cause: error,
      migration: where,
    });
  }
  return {
    schema: set.schema,
    applied: results.filter((result) => result.status === 'Success').map((result) => result.migrationName),
  };
}

async function listMigrationFiles(dir: string, schema: string): Promise<string[]> {
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (err) {
    throw new DatabaseError('migration_folder_invalid', `cannot read migrations of ${schema} at ${dir}`, {
      cause: err,
    });
  }
  const misnamed = files.filter((file) => file.endsWith('.ts') && !MIGRATION_FILE.test(file));
  if (misnamed.length > 0) {
    throw new DatabaseError(
      'migration_folder_invalid',
      `${schema}: migration files must be named YYYY-MM-DDTHHMM-<what>.ts: ${misnamed.join(', ')}`,
    );
  }
  return files.filter((file) => MIGRATION_FILE.test(file));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
