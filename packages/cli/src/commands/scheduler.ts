import { SCHEDULES, type ScheduleDefinition } from '@nlyzer/contracts';
import { startCronTicker } from '@nlyzer/scheduler';
import type { Env } from '@nlyzer/service-kit';
import { loadCommandConfig, servicePort } from '../runtime/cli-config.ts';
import { discoverServices } from '../runtime/discover-services.ts';
import { loggerFactory } from '../runtime/service-logger.ts';
import { untilSignal } from '../runtime/signals.ts';

/** Cloud Scheduler's header: the service's runJob claims the tick by it. */
const SCHEDULE_TIME_HEADER = 'X-CloudScheduler-ScheduleTime';

/**
 * `nlyzer scheduler`: Cloud Scheduler's part under `dev --distributed`. Fires the schedule
 * catalog and POSTs each tick to the owning service's jobs route on its local port, which
 * runs and records it. Resolves with the exit code after SIGINT/SIGTERM.
 */
export async function schedulerCommand(env: Env): Promise<number> {
  const config = loadCommandConfig(env);
  const logger = loggerFactory(config.LOG_LEVEL)('scheduler');
  const present = new Set((await discoverServices()).services.map((service) => service.name));
  const schedules = Object.values(SCHEDULES) as ScheduleDefinition[];
  const active = schedules.filter((schedule) => present.has(schedule.target.service));
  for (const schedule of schedules.filter((s) => !present.has(s.target.service))) {
    logger.info({ job: schedule.name }, `waiting for ${schedule.target.service}`);
  }

  const ticker = startCronTicker(
    active,
    async (schedule, scheduledAt) => {
      const url = `http://127.0.0.1:${servicePort(schedule.target.service, config)}${schedule.target.path}`;
      const response = await fetch(url, {
        method: 'POST',
        headers: { [SCHEDULE_TIME_HEADER]: scheduledAt.toISOString() },
      });
      const body = (await response.json()) as { run?: { status?: string } };
      logger.info({ job: schedule.name, status: response.status, run: body.run?.status }, 'job triggered');
    },
    (schedule, err) => logger.error({ err, job: schedule.name }, 'could not trigger the job'),
  );
  logger.info({ jobs: active.map((s) => s.name) }, 'scheduler started');
  await untilSignal();
  await ticker.stop();
  return 0;
}
