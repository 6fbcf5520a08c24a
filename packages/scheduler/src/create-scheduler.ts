import type { ScheduleDefinition, ServiceName } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import type { Logger } from 'pino';
import { type CronTicker, nextRunOf, startCronTicker } from './cron-ticker.ts';
import { type JobHandler, type JobOutcome, runJob, skipJob } from './job-runs.ts';

export interface SchedulerOptions {
  db: Database;
  /** The schedule catalog (`SCHEDULES`), or a subset of it. */
  schedules: Readonly<Record<string, ScheduleDefinition>>;
  /** Handlers of the jobs whose service is present in this runtime. */
  jobs: ReadonlyMap<string, JobHandler>;
  logger: Logger;
}

export interface WaitingJob {
  job: string;
  service: ServiceName;
}

export interface Scheduler {
  /** Jobs that have a handler and run on their cron. */
  readonly active: readonly string[];
  /** Catalog jobs whose service is not in this runtime (yet). */
  readonly waiting: readonly WaitingJob[];
  start(): void;
  /** Runs one tick of a job now, as its cron would. */
  tick(job: string, scheduledAt: Date): Promise<JobOutcome>;
  /** Stops the crons and waits for runs in flight. */
  stop(): Promise<void>;
}

/**
 * In-process cron over the schedule catalog, for the embedded runtime. In production Cloud
 * Scheduler calls the jobs route instead; both go through `runJob`, so the
 * (job, scheduled_at) claim keeps every tick to one run however many runtimes fire it.
 * A job still running when its next tick comes records that tick as skipped.
 */
export function createScheduler(options: SchedulerOptions): Scheduler {
  const { db, schedules, jobs, logger } = options;
  const entries = Object.values(schedules);
  const active = entries.filter((s) => jobs.has(s.name));
  const waiting = entries
    .filter((s) => !jobs.has(s.name))
    .map((s): WaitingJob => ({ job: s.name, service: s.target.service }));
  const unknown = [...jobs.keys()].filter((name) => !schedules[name]);
  if (unknown.length > 0)
    logger.warn({ jobs: unknown }, 'job handlers with no schedule catalog entry never run');

  const running = new Set<string>();
  let ticker: CronTicker | undefined;

  const tick = async (job: string, scheduledAt: Date): Promise<JobOutcome> => {
    const schedule = schedules[job];
    const handler = jobs.get(job);
    if (!schedule || !handler) throw new RangeError(`no scheduled job ${job} in this runtime`);
    if (running.has(job)) return skipJob(db, job, scheduledAt, 'previous run still in progress');
    running.add(job);
    try {
      return await runJob(db, job, scheduledAt, handler, logger, {
        perStoreLocalTime: schedule.perStoreLocalTime,
      });
    } finally {
      running.delete(job);
    }
  };

  return {
    active: active.map((s) => s.name),
    waiting,
    start() {
      if (ticker) return;
      ticker = startCronTicker(
        active,
        (schedule, scheduledAt) => tick(schedule.name, scheduledAt),
        (schedule, err) => logger.error({ err, job: schedule.name }, 'could not record the job run'),
      );
      for (const [service, list] of Map.groupBy(waiting, (w) => w.service)) {
        logger.info({ jobs: list.map((w) => w.job) }, `waiting for ${service}`);
      }
      logger.info(
        { jobs: active.map((s) => ({ job: s.name, next: nextRunOf(s)?.toISOString() })) },
        'scheduler started',
      );
    },
    tick,
    async stop() {
      await ticker?.stop();
      ticker = undefined;
    },
  };
}
