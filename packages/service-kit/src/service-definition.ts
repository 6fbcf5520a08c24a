import type { ConsumerHandler, EventBus, Outbox } from '@nlyzer/bus';
import type { JobName, ServiceName, TopicName } from '@nlyzer/contracts';
import type { Database, MigrationSet } from '@nlyzer/db';
import type { TObject } from 'typebox';
import type { App } from './create-app.ts';
import type { Logger } from './logger.ts';

/** What every service is built from; tests pass real or in-memory parts. */
export interface ServiceDeps<Config> {
  config: Config;
  db: Database;
  bus: EventBus;
  outbox: Outbox;
  logger: Logger;
}

/** What the demo seeding has established so far, shared by the services' seedDemo in turn. */
export interface DemoSeed {
  storeId?: string;
  /** Origins the demo widget key allows. */
  widgetOrigins?: readonly string[];
}

export type JobHandler = (ctx: { scheduledAt: Date; logger: Logger }) => Promise<void>;

/** What each package under services/ exports as `service`. The runtime wires everything from it. */
export interface ServiceDefinition<Config = any> {
  name: ServiceName;
  /** Env schema of the service's own variables (the kit adds the common ones). */
  configSchema: TObject;
  migrations: MigrationSet;
  /** Build the Fastify app (features registered, no port opened). */
  build(deps: ServiceDeps<Config>): Promise<App>;
  /** Event handlers by topic; the runtime subscribes `<service>.<topic>` for each through createConsumer. */
  handlers?: { [T in TopicName]?: ConsumerHandler<T> };
  /** Scheduled jobs this service runs, by schedule-catalog job name. */
  jobs?: Partial<Record<JobName, JobHandler>>;
  /**
   * Seed demo data for `nlyzer dev` (idempotent). Returns lines to print. Services seed in
   * catalog order; each may record facts for the later ones in `demo` (the gateway, first,
   * records the demo store's id).
   */
  seedDemo?(deps: ServiceDeps<Config>, demo: DemoSeed): Promise<string[]>;
}
