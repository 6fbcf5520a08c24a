import type { EventBus } from '@nlyzer/bus';
import { SCHEDULES } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { createScheduler, type JobHandler, type Scheduler } from '@nlyzer/scheduler';
import {
  type DemoSeed,
  type Env,
  type Logger,
  type ServiceDefinition,
  type ShutdownReport,
  shutdownService,
} from '@nlyzer/service-kit';
import { buildService, type RuntimeService } from './service-runtime.ts';
import { planSubscriptions, type SubscriptionPlan } from './subscription-plan.ts';

export interface PlatformOptions {
  services: readonly ServiceDefinition[];
  db: Database;
  bus: EventBus;
  /** Each service's config source (`nlyzer dev` adds the service's PORT). */
  envFor: (service: ServiceDefinition) => Env;
  loggerFor: (service: ServiceDefinition) => Logger;
  /** Logger of the platform itself (scheduler, catalog warnings). */
  logger: Logger;
  /** See ServiceRuntimeOptions.pull. */
  pull: boolean;
  /** Run the schedule catalog in this process (embedded); production has Cloud Scheduler. */
  schedule: boolean;
}

/** One or more services sharing a database and a bus in this process. */
export interface Platform {
  services: RuntimeService[];
  plan: SubscriptionPlan;
  scheduler: Scheduler | null;
  /** Runs every present service's seedDemo (idempotent); its printable lines, by service. */
  seedDemo(): Promise<{ service: string; lines: string[] }[]>;
  /** Kit's graceful sequence over every app: HTTP, scheduler, outbox flush, bus, database. */
  shutdown(options: { timeoutMs: number }): Promise<ShutdownReport>;
}

/**
 * Logs what the topic catalog and the present services disagree on; not fatal, services land
 * one by one. Subscribers still waiting for their service are the banner's to show.
 */
function reportPlan(plan: SubscriptionPlan, logger: Logger): void {
  for (const { service, topic } of plan.unlisted) {
    logger.warn(
      { service, topic },
      `${service} handles ${topic} but the topic catalog does not list it as a subscriber: not subscribed`,
    );
  }
  // A present service that the catalog lists for a topic it doesn't handle yet: expected while
  // features land one by one, so one line per service rather than a warning per topic.
  const unhandled = Map.groupBy(plan.unhandled, (entry) => entry.service);
  for (const [service, entries] of unhandled) {
    const topics = entries.map((entry) => entry.topic);
    logger.info({ service, topics }, `${service} has no handler yet for ${topics.length} catalog topic(s)`);
  }
}

/**
 * Builds every given service on the shared parts, subscribes all their consumers before any
 * relay runs, and (embedded) starts the in-process scheduler for the jobs they handle.
 */
export async function startPlatform(options: PlatformOptions): Promise<Platform> {
  const { db, bus, logger } = options;
  const plan = planSubscriptions(options.services);
  reportPlan(plan, logger);

  const services: RuntimeService[] = [];
  for (const definition of options.services) {
    const service = await buildService({
      definition,
      env: options.envFor(definition),
      db,
      bus,
      logger: options.loggerFor(definition),
      plan,
      pull: options.pull,
    });
    services.push(service);
  }
  for (const service of services) await service.start();

  let scheduler: Scheduler | null = null;
  if (options.schedule) {
    const jobs = new Map<string, JobHandler>(services.flatMap((service) => [...service.jobs]));
    scheduler = createScheduler({ db, schedules: SCHEDULES, jobs, logger });
    scheduler.start();
  }

  return {
    services,
    plan,
    scheduler,
    async seedDemo() {
      const seeded = [];
      const demo: DemoSeed = {};
      for (const { definition, deps } of services) {
        if (definition.seedDemo)
          seeded.push({ service: definition.name, lines: await definition.seedDemo(deps, demo) });
      }
      return seeded;
    },
    async shutdown({ timeoutMs }) {
      if (services.length === 0) {
        // Nothing for the kit's sequence to reach the shared parts through.
        await scheduler?.stop();
        await bus.close();
        await db.close();
        return { clean: true, steps: [] };
      }
      return shutdownService(
        services.map((service) => service.app),
        {
          timeoutMs,
          onShutdown: async () => {
            await scheduler?.stop();
          },
        },
      );
    },
  };
}
