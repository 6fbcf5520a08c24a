import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { migrate } from '@nlyzer/db';
import type { Env } from '@nlyzer/service-kit';
import { loadCommandConfig, servicePort } from '../runtime/cli-config.ts';
import { CliError } from '../runtime/cli-error.ts';
import { openUrlDatabase } from '../runtime/command-database.ts';
import { type CommandIo, formatColumns, writeLine } from '../runtime/console-output.ts';
import { discoverServices } from '../runtime/discover-services.ts';
import { migrationSets } from '../runtime/migration-sets.ts';
import { serviceUrls } from '../runtime/service-urls.ts';
import { untilSignal } from '../runtime/signals.ts';

const BIN = fileURLToPath(new URL('../../bin/nlyzer.js', import.meta.url));
const REQUIRED = ['DATABASE_URL', 'PUBSUB_EMULATOR_HOST'] as const;
const READY_TIMEOUT_MS = 60_000;

interface Child {
  name: string;
  process: ChildProcess;
  exited: Promise<number>;
}

function spawnChild(name: string, args: string[], env: Env, io: CommandIo, width: number): Child {
  // Its own process group: a terminal's Ctrl-C reaches only the parent, which then stops
  // each child once (a second signal would cut a child's graceful shutdown short).
  const child = spawn(process.execPath, [BIN, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  process.once('exit', () => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  const prefix = `[${name}]`.padEnd(width + 2);
  for (const [stream, target] of [
    [child.stdout, io.stdout],
    [child.stderr, io.stderr],
  ] as const) {
    createInterface({ input: stream }).on('line', (line) => writeLine(target, `${prefix} ${line}`));
  }
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0))),
  );
  return { name, process: child, exited };
}

async function waitHealthy(url: string, exited: Promise<number>): Promise<boolean> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let gone = false;
  void exited.then(() => {
    gone = true;
  });
  while (Date.now() < deadline && !gone) {
    try {
      if ((await fetch(url)).ok) return true;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/**
 * `nlyzer dev --distributed`: the production topology on one machine. Real Postgres and the
 * Pub/Sub emulator; migrations once; then every service as its own `nlyzer serve` process
 * with its own outbox relay and pulled Pub/Sub subscriptions, plus one `nlyzer scheduler`
 * process in Cloud Scheduler's place. Child output is prefixed with its name.
 */
export async function devDistributedCommand(env: Env, io: CommandIo): Promise<number> {
  const missing = REQUIRED.filter((name) => !env[name]?.trim());
  if (missing.length > 0) {
    throw new CliError(
      'missing_environment',
      `nlyzer dev --distributed runs on real infrastructure; set ${missing
        .map((name) =>
          name === 'DATABASE_URL'
            ? 'DATABASE_URL (a Postgres 15 postgres:// URL)'
            : 'PUBSUB_EMULATOR_HOST (host:port of `gcloud beta emulators pubsub start`)',
        )
        .join(' and ')}`,
    );
  }
  const childEnv: Env = {
    ...env,
    BUS_DRIVER: 'pubsub',
    NLYZER_PUBSUB_DELIVERY: 'pull',
    // The emulator takes any project id.
    GOOGLE_CLOUD_PROJECT: env.GOOGLE_CLOUD_PROJECT?.trim() || 'nlyzer-local',
  };
  const config = loadCommandConfig(childEnv);
  const { services } = await discoverServices();

  const db = await openUrlDatabase(config);
  try {
    for (const result of await migrate(db, [...migrationSets(services).values()])) {
      for (const name of result.applied) writeLine(io.stdout, `applied ${result.schema}/${name}`);
    }
  } finally {
    await db.close();
  }

  const width = Math.max('scheduler'.length, ...services.map((s) => s.name.length));
  const children = [
    ...services.map((service) =>
      spawnChild(
        service.name,
        ['serve', service.name],
        {
          ...childEnv,
          PORT: String(servicePort(service.name, config)),
          // The gateway forwards the search and sync APIs to those processes.
          ...serviceUrls(
            {
              search: servicePort('search', config),
              'sync-worker': servicePort('sync-worker', config),
              gateway: servicePort('gateway', config),
            },
            env,
          ),
        },
        io,
        width,
      ),
    ),
    spawnChild('scheduler', ['scheduler'], childEnv, io, width),
  ];

  const ready = await Promise.all(
    services.map((service, index) =>
      waitHealthy(`http://127.0.0.1:${servicePort(service.name, config)}/healthz`, children[index]!.exited),
    ),
  );
  const rows = services.map((service, index) => {
    const base = `http://localhost:${servicePort(service.name, config)}`;
    return [service.name, base, `${base}/healthz`, ready[index] ? 'up' : 'NOT UP'];
  });
  writeLine(io.stdout);
  for (const line of formatColumns([['SERVICE', 'URL', 'HEALTH', 'STATE'], ...rows], '  '))
    writeLine(io.stdout, line);
  writeLine(io.stdout, 'Ctrl-C stops every process.');

  // Any child dying takes the topology down, as a crash loop would be noticed in production.
  const stop = await Promise.race<{ signal: NodeJS.Signals } | { exited: string }>([
    untilSignal().then((signal) => ({ signal })),
    ...children.map((child) => child.exited.then(() => ({ exited: child.name }))),
  ]);
  if ('exited' in stop) writeLine(io.stderr, `${stop.exited} exited; stopping the others`);
  for (const child of children) if (child.process.exitCode === null) child.process.kill('SIGTERM');
  const codes = await Promise.all(children.map((child) => child.exited));
  return 'signal' in stop && ready.every(Boolean) ? Math.max(0, ...codes) : 1;
}
