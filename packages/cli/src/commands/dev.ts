import { createInProcessBus } from '@nlyzer/bus';
import { type Database, migrate, type ServedDatabase, serveDatabase } from '@nlyzer/db';
import type { Env } from '@nlyzer/service-kit';
import { loadCommandConfig, servicePort } from '../runtime/cli-config.ts';
import { CliError } from '../runtime/cli-error.ts';
import { openEmbeddedDatabase, openUrlDatabase } from '../runtime/command-database.ts';
import { type CommandIo, createHeldStream, createStepProgress } from '../runtime/console-output.ts';
import { readLiveDevState, removeDevState, writeDevState } from '../runtime/dev-state.ts';
import { discoverServices } from '../runtime/discover-services.ts';
import { listenAll } from '../runtime/listen.ts';
import { migrationSets } from '../runtime/migration-sets.ts';
import { type Platform, startPlatform } from '../runtime/platform.ts';
import { loggerFactory } from '../runtime/service-logger.ts';
import { serviceUrls } from '../runtime/service-urls.ts';
import { untilSignal } from '../runtime/signals.ts';
import { devStatePath } from '../runtime/workspace.ts';
import { printDevBanner } from './dev-banner.ts';

const STEPS = 6;

/**
 * `nlyzer dev` (what `npm start` runs): every service of the workspace in this process on
 * the embedded database and the in-process bus, each on its own port, with the scheduler,
 * the outbox relays and the demo store. Resolves with the exit code after Ctrl-C.
 */
export async function devCommand(env: Env, io: CommandIo): Promise<number> {
  const started = performance.now();
  const config = loadCommandConfig(env);
  const statePath = devStatePath(config.NLYZER_DATA_DIR);
  const running = await readLiveDevState(statePath);
  if (running) {
    throw new CliError(
      'dev_server_running',
      `nlyzer dev is already running on this data directory (pid ${running.pid})`,
    );
  }

  const held = createHeldStream(io.stdout);
  if ((io.stderr as NodeJS.WriteStream).isTTY) held.hold();
  const loggerFor = loggerFactory(config.LOG_LEVEL, held);
  const logger = loggerFor('nlyzer');
  const progress = createStepProgress(STEPS, io.stderr);

  progress.step('discovering services');
  const { services, skipped } = await discoverServices();
  for (const { dir, reason } of skipped) logger.info({ dir }, `services/${dir} skipped: ${reason}`);

  progress.step(config.DATABASE_URL ? 'connecting to DATABASE_URL' : 'starting the embedded database');
  let db: Database;
  // The services use the embedded PGlite in process; other `nlyzer` commands and psql reach it here.
  let served: ServedDatabase | null = null;
  if (config.DATABASE_URL) {
    db = await openUrlDatabase(config);
  } else {
    db = await openEmbeddedDatabase(config.NLYZER_DATA_DIR);
    try {
      served = await serveDatabase(db, { port: config.NLYZER_DB_PORT });
    } catch (err) {
      await db.close();
      throw err;
    }
  }

  let platform: Platform | undefined;
  const shutdown = async (): Promise<boolean> => {
    // First: a client idle inside a transaction would hold the session the database close waits for.
    await served?.close();
    if (!platform) {
      await db.close();
      return true;
    }
    return (await platform.shutdown({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS })).clean;
  };
  try {
    progress.step('running migrations');
    const results = await migrate(db, [...migrationSets(services).values()]);
    for (const result of results) {
      for (const name of result.applied)
        logger.info({ migration: `${result.schema}/${name}` }, 'migration applied');
    }

    progress.step(`building ${services.map((s) => s.name).join(', ') || 'no services'}`);
    const ports = Object.fromEntries(services.map((s) => [s.name, servicePort(s.name, config)]));
    platform = await startPlatform({
      services,
      db,
      bus: createInProcessBus({ logger }),
      // The gateway forwards the search and sync APIs to those services' ports in this install.
      envFor: (service) => ({
        ...env,
        PORT: String(ports[service.name]),
        ...serviceUrls(ports, env),
      }),
      loggerFor: (service) => loggerFor(service.name),
      logger,
      pull: true,
      schedule: true,
    });

    progress.step('seeding the demo store');
    const seeded = await platform.seedDemo();

    progress.step('listening');
    const bound = await listenAll(platform.services, config.HOST);
    if (served) await writeDevState(statePath, { pid: process.pid, databaseUrl: served.url, ports: bound });
    progress.finish();
    held.release();

    printDevBanner(io, {
      seconds: (performance.now() - started) / 1000,
      platform,
      ports: bound,
      databaseUrl: served?.url ?? null,
      dataDir: config.DATABASE_URL ? null : config.NLYZER_DATA_DIR,
      seeded,
    });
  } catch (err) {
    progress.finish();
    held.release();
    await shutdown();
    throw err;
  }

  const signal = await untilSignal();
  logger.info({ signal }, 'shutting down');
  const clean = await shutdown();
  await removeDevState(statePath);
  return clean ? 0 : 1;
}
