import { createConsumer, createOutbox, type EventBus, type Outbox, type SubscriptionSpec } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import { type JobHandler, jobsPlugin } from '@nlyzer/scheduler';
import {
  type App,
  type BaseConfig,
  type Env,
  type Logger,
  loadConfig,
  type ServiceDefinition,
  type ServiceDeps,
  withBaseConfig,
} from '@nlyzer/service-kit';
import { loadCommandConfig } from './cli-config.ts';
import { pushAuthOf, pushRoute } from './push-route.ts';
import type { SubscriptionPlan } from './subscription-plan.ts';

export interface ServiceRuntimeOptions {
  definition: ServiceDefinition;
  /** Source of the service's config (its own variables plus the kit's). */
  env: Env;
  db: Database;
  bus: EventBus;
  logger: Logger;
  plan: SubscriptionPlan;
  /**
   * Subscribe the consumers on the bus (in-process bus, Pub/Sub pull). False when Pub/Sub
   * pushes to the service's push route instead (Cloud Run).
   */
  pull: boolean;
}

/** A service with everything the runtime wires around it, built but not listening. */
export interface RuntimeService {
  definition: ServiceDefinition;
  config: BaseConfig & Record<string, unknown>;
  app: App;
  outbox: Outbox;
  deps: ServiceDeps<BaseConfig & Record<string, unknown>>;
  subscriptions: SubscriptionSpec[];
  jobs: Map<string, JobHandler>;
  /**
   * Subscribe the consumers and start the outbox relay. Separate from building so a runtime
   * of several services subscribes them all before any relay publishes: the in-process bus,
   * like a topic with no subscription, drops what nobody listens to yet.
   */
  start(): Promise<void>;
}

/**
 * The one seam every service plugs into, shared by `nlyzer dev`, `dev --distributed` and
 * `serve`: config from the env, an outbox whose relay runs, the app from `build`, a
 * consumer per planned subscription, the jobs route (Cloud Scheduler) and the Pub/Sub push
 * route (verifying Pub/Sub's OIDC token when PUBSUB_PUSH_* name a push identity) mounted
 * before the app is ready. The caller then `start`s it and listens.
 */
export async function buildService(options: ServiceRuntimeOptions): Promise<RuntimeService> {
  const { definition, db, bus, plan, logger } = options;
  const config = loadConfig(withBaseConfig(definition.configSchema), options.env) as RuntimeService['config'];
  const commandConfig = loadCommandConfig(options.env);
  const auth = pushAuthOf(commandConfig);
  const outbox = createOutbox({ db, bus, source: definition.name, logger });
  const deps = { config, db, bus, outbox, logger };
  const app = await definition.build(deps);

  const handlers = definition.handlers ?? {};
  const subscriptions = plan.subscriptions
    .filter((planned) => planned.service === definition.name)
    .map((planned) =>
      createConsumer({
        db,
        subscription: planned.name,
        topic: planned.topic,
        // The catalog guarantees the handler matches the topic it is keyed by.
        handle: handlers[planned.topic] as never,
        logger,
        outbox,
      }),
    );
  const jobs = new Map(Object.entries(definition.jobs ?? {}) as [string, JobHandler][]);

  await app.register(jobsPlugin, { db, jobs });
  // In production only authenticated pushes are served; without a push identity (pull
  // delivery) there is nothing to push to, so no route anyone could post forged events to.
  if (auth !== null || commandConfig.NODE_ENV !== 'production') {
    await app.register(pushRoute, { db, subscriptions, logger, auth });
  }
  await app.ready();
  const start = async () => {
    if (options.pull) {
      for (const subscription of subscriptions) await bus.subscribe(subscription);
    }
    outbox.start();
  };
  return { definition, config, app, outbox, deps, subscriptions, jobs, start };
}
