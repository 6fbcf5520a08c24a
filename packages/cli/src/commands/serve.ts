import { migrate } from '@nlyzer/db';
import { type Env, startService } from '@nlyzer/service-kit';
import { busFromConfig } from '../runtime/bus-from-config.ts';
import { loadCommandConfig } from '../runtime/cli-config.ts';
import { openServiceDatabase } from '../runtime/command-database.ts';
import { findService } from '../runtime/discover-services.ts';
import { migrationSets } from '../runtime/migration-sets.ts';
import { startPlatform } from '../runtime/platform.ts';
import { loggerFactory } from '../runtime/service-logger.ts';

export interface ServeOptions {
  /** Bring the bus, scheduler and this service's migration sets up to date first. */
  migrate?: boolean;
}

/**
 * `nlyzer serve <service>`: one service in this process, the Cloud Run container's entry
 * point and each child of `dev --distributed`. The kit's startService listens on PORT and
 * shuts down gracefully on SIGTERM.
 */
export async function serveCommand(name: string, options: ServeOptions, env: Env): Promise<void> {
  const config = loadCommandConfig(env);
  const definition = await findService(name);
  const logger = loggerFactory(config.LOG_LEVEL)(definition.name);
  const db = await openServiceDatabase(config);
  if (options.migrate) await migrate(db, [...migrationSets([definition]).values()]);
  const { bus, pull } = busFromConfig(config, logger);
  const platform = await startPlatform({
    services: [definition],
    db,
    bus,
    envFor: () => env,
    loggerFor: () => logger,
    logger,
    pull,
    // Cloud Scheduler (or `nlyzer scheduler` under dev --distributed) calls the jobs route.
    schedule: false,
  });
  await startService(platform.services[0]!.app);
}
