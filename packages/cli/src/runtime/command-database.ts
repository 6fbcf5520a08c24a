import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { type Database, openDatabase } from '@nlyzer/db';
import type { CommandConfig } from './cli-config.ts';
import { readLiveDevState } from './dev-state.ts';
import { devStatePath, fromWorkspace, resolveDataDir } from './workspace.ts';

const PGLITE_TEMPLATE_CACHE = 'node_modules/.cache/nlyzer';

export interface CommandDatabase {
  db: Database;
  /** Where it came from, for the command's first line of output. */
  source: string;
  /** True when it is a running `nlyzer dev`'s database, reached over its wire server. */
  devServer: boolean;
}

/**
 * The database a one-shot command (migrate, dlq) works on: DATABASE_URL when set, else the
 * running `nlyzer dev`'s embedded database over the url it serves (PGlite has one writer:
 * opening its directory beside a running dev server would corrupt it), else the directory itself.
 */
export async function openCommandDatabase(config: CommandConfig): Promise<CommandDatabase> {
  if (config.DATABASE_URL)
    return { db: await openUrlDatabase(config), source: 'DATABASE_URL', devServer: false };
  const dev = await readLiveDevState(devStatePath(config.NLYZER_DATA_DIR));
  if (dev) {
    return {
      // Its served clients share one PGlite session: set the app role per transaction.
      db: await openDatabase({ url: dev.databaseUrl, poolSize: 1, sharedSession: true }),
      source: `nlyzer dev (pid ${dev.pid})`,
      devServer: true,
    };
  }
  return {
    db: await openEmbeddedDatabase(config.NLYZER_DATA_DIR),
    source: config.NLYZER_DATA_DIR,
    devServer: false,
  };
}

/** DATABASE_URL (queries as the app role) with MIGRATION_DATABASE_URL as the owner when set. */
export function openUrlDatabase(config: CommandConfig): Promise<Database> {
  return openDatabase({
    url: config.DATABASE_URL!,
    ...(config.MIGRATION_DATABASE_URL ? { migrationUrl: config.MIGRATION_DATABASE_URL } : {}),
  });
}

/** A service process's database: DATABASE_URL, else the PGlite directory it then owns alone. */
export function openServiceDatabase(config: CommandConfig): Promise<Database> {
  return config.DATABASE_URL ? openUrlDatabase(config) : openEmbeddedDatabase(config.NLYZER_DATA_DIR);
}

/**
 * File-backed PGlite at NLYZER_DATA_DIR (created on first use), or in memory for `memory://`.
 * A new one starts from the workspace's cached pristine cluster: seconds of initdb saved on
 * every fresh data directory after the first.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<Database> {
  const resolved = resolveDataDir(dataDir);
  if (resolved !== 'memory://') await mkdir(dirname(resolved), { recursive: true });
  return openDatabase({ dataDir: resolved, pgliteTemplateCache: fromWorkspace(PGLITE_TEMPLATE_CACHE) });
}
