import type { EventBus, Outbox } from '@nlyzer/bus';
import type { EventEnvelope, JobName, ServiceName, TopicName } from '@nlyzer/contracts';
import type { Database, MigrationSet } from '@nlyzer/db';
import type { FastifyInstance } from 'fastify';
import type { Transaction } from 'kysely';
import type { Logger } from 'pino';
import type { TObject } from 'typebox';

/** What every service is built from; tests pass real or in-memory parts. */
export interface ServiceDeps<Config> {
  config: Config;
  db: Database;
  bus: EventBus;
  outbox: Outbox;
  logger: Logger;
}

export type EventHandler = (envelope: EventEnvelope, trx: Transaction<any>) => Promise<void>;
export type JobHandler = (ctx: { scheduledAt: Date; logger: Logger }) => Promise<void>;

/** What each package under services/ exports as `service`. The runtime wires everything from it. */
export interface ServiceDefinition<Config = any> {
  name: ServiceName;
  /** Env schema of the service's own variables (the kit adds the common ones). */
  configSchema: TObject;
  migrations: MigrationSet;
  /** Build the Fastify app (features registered, no port opened). */
  build(deps: ServiceDeps<Config>): Promise<FastifyInstance>;
  /** Event handlers by topic; the runtime subscribes `<service>.<topic>` for each. */
  handlers?: Partial<Record<TopicName, EventHandler>>;
  /** Scheduled jobs this service runs, by schedule-catalog job name. */
  jobs?: Partial<Record<JobName, JobHandler>>;
  /** Seed demo data for `nlyzer dev` (idempotent). Returns lines to print. */
  seedDemo?(deps: ServiceDeps<Config>): Promise<string[]>;
}
