import { busMigrations, createInProcessBus, createOutbox, type EventBus, type Outbox } from '@nlyzer/bus';
import { type Database, migrate, openDatabase } from '@nlyzer/db';
import { type BaseConfig, baseConfigSchema, type Env, loadConfig } from '../src/config.ts';
import { type App, createApp } from '../src/create-app.ts';
import { createLogger, type Logger } from '../src/logger.ts';

export function testConfig(env: Env = {}): BaseConfig {
  return loadConfig(baseConfigSchema, { NODE_ENV: 'test', ...env });
}

// biome-ignore lint/suspicious/noExplicitAny: log lines are arbitrary JSON, read by assertions
type LogLine = any;

/** A logger writing into memory, for assertions on what reaches the log. */
export function captureLogs(
  service = 'test-service',
  level = 'debug',
): { logger: Logger; lines: () => LogLine[] } {
  const written: string[] = [];
  const logger = createLogger({ service, level }, { write: (line: string) => written.push(line) });
  return { logger, lines: () => written.map((line) => JSON.parse(line)) };
}

export interface RealParts {
  db: Database;
  bus: EventBus;
  outbox: Outbox;
}

/** The embedded defaults, as a service gets them: in-memory PGlite (migrated), the in-process bus, an outbox. */
export async function openRealParts(): Promise<RealParts> {
  const db = await openDatabase();
  await migrate(db, [busMigrations]);
  const bus = createInProcessBus();
  const outbox = createOutbox({ db, bus, source: 'gateway' });
  return { db, bus, outbox };
}

export async function buildApp(
  parts: RealParts,
  options: { name?: string; config?: BaseConfig; logger?: Logger; readyTimeoutMs?: number } = {},
): Promise<App> {
  return createApp({
    name: options.name ?? 'test-service',
    config: options.config ?? testConfig(),
    logger: options.logger ?? createLogger({ service: 'test-service', level: 'silent' }),
    ...parts,
    ...(options.readyTimeoutMs === undefined ? {} : { readyTimeoutMs: options.readyTimeoutMs }),
  });
}
