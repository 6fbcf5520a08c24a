import { migrate } from '@nlyzer/db';
import type { Env } from '@nlyzer/service-kit';
import { loadCommandConfig } from '../runtime/cli-config.ts';
import { CliError } from '../runtime/cli-error.ts';
import { openCommandDatabase } from '../runtime/command-database.ts';
import { type CommandIo, writeLine } from '../runtime/console-output.ts';
import { discoverServices } from '../runtime/discover-services.ts';
import { migrationSets } from '../runtime/migration-sets.ts';

/** `nlyzer migrate [--service <name>]`: every set (or one owner's), a line per applied migration. */
export async function migrateCommand(options: { service?: string }, env: Env, io: CommandIo): Promise<void> {
  const config = loadCommandConfig(env);
  const sets = migrationSets((await discoverServices()).services);
  let selected = [...sets.values()];
  if (options.service !== undefined) {
    const set = sets.get(options.service);
    if (!set) {
      throw new CliError(
        'service_not_found',
        `no migration set ${options.service} (choose from ${[...sets.keys()].join(', ')})`,
      );
    }
    selected = [set];
  }
  const { db, source, devServer } = await openCommandDatabase(config);
  try {
    if (devServer) {
      // Its clients share one PGlite session, whose role is the app role once dev is up.
      throw new CliError(
        'dev_server_running',
        `${source} holds the embedded database and applied its migrations when it started; restart it to apply new ones`,
      );
    }
    writeLine(io.stdout, `migrating ${source}`);
    const results = await migrate(db, selected);
    const applied = results.flatMap((result) => result.applied.map((name) => `${result.schema}/${name}`));
    for (const name of applied) writeLine(io.stdout, `  applied ${name}`);
    writeLine(
      io.stdout,
      applied.length === 0
        ? `up to date (${results.length} migration sets)`
        : `applied ${applied.length} migrations in ${results.length} sets`,
    );
  } finally {
    await db.close();
  }
}
