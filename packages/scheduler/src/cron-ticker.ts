import type { ScheduleDefinition } from '@nlyzer/contracts';
import { Cron } from 'croner';

export interface CronTicker {
  /** Stops every cron and waits for the ticks in flight. */
  stop(): Promise<void>;
}

/** The next time a catalog entry fires strictly after `after`, in its own time zone. */
export function nextRunOf(schedule: ScheduleDefinition, after: Date = new Date()): Date | null {
  return new Cron(schedule.cron, { timezone: schedule.timeZone }).nextRun(after);
}

/**
 * The tick a cron fire belongs to. croner hands over the wall clock (a few ms late), so take
 * the latest pattern match at or before it: the same instant on every runtime.
 */
function tickOf(cron: Cron, firedAt: Date): Date {
  return cron.previousRuns(1, new Date(firedAt.getTime() + 1000))[0] ?? firedAt;
}

/**
 * Calls `onTick` with each entry's tick instant, on its cron in its time zone. What a tick
 * does is the caller's: run the job here (`createScheduler`) or call the service that owns
 * it, as Cloud Scheduler does (`nlyzer dev --distributed`).
 */
export function startCronTicker(
  schedules: readonly ScheduleDefinition[],
  onTick: (schedule: ScheduleDefinition, scheduledAt: Date) => Promise<unknown>,
  onError: (schedule: ScheduleDefinition, err: unknown) => void,
): CronTicker {
  const inFlight = new Set<Promise<unknown>>();
  const crons = schedules.map(
    (schedule) =>
      new Cron(schedule.cron, { timezone: schedule.timeZone }, (self: Cron) => {
        const tick = onTick(schedule, tickOf(self, new Date())).catch((err: unknown) =>
          onError(schedule, err),
        );
        inFlight.add(tick);
        void tick.finally(() => inFlight.delete(tick));
      }),
  );
  return {
    async stop() {
      for (const cron of crons) cron.stop();
      await Promise.allSettled([...inFlight]);
    },
  };
}
