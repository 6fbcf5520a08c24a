// The schedule catalog. Cloud Scheduler jobs (Terraform) and the embedded scheduler are both
// derived from it; each job POSTs to `jobPath(name)` on its target service.
import type { ServiceName } from './services.ts';

export interface ScheduleDefinition<Name extends string = string> {
  readonly name: Name;
  /** Standard 5-field cron (minute hour day-of-month month day-of-week). */
  readonly cron: string;
  /** IANA time zone the cron is evaluated in. */
  readonly timeZone: string;
  readonly target: { readonly service: ServiceName; readonly path: `/jobs/${Name}` };
  readonly description: string;
  /**
   * Set when the job must happen at a local time in each store's own time zone. One UTC cron
   * cannot express that, so the job runs hourly and handles the stores whose local time is
   * `weekday` (0 = Sunday … 6 = Saturday) at `hour`:xx.
   */
  readonly perStoreLocalTime?: { readonly weekday: number; readonly hour: number };
}

export function jobPath<const Name extends string>(name: Name): `/jobs/${Name}` {
  return `/jobs/${name}`;
}

type ScheduleInput = Omit<ScheduleDefinition, 'name' | 'target'> & { readonly service: ServiceName };

function defineSchedules<const S extends Record<string, ScheduleInput>>(
  schedules: S,
): { readonly [K in keyof S & string]: ScheduleDefinition<K> } {
  return Object.fromEntries(
    Object.entries(schedules).map(([name, { service, ...rest }]) => [
      name,
      { name, ...rest, target: { service, path: jobPath(name) } },
    ]),
  ) as never;
}

export const SCHEDULES = defineSchedules({
  'catalog-sync-tick': {
    cron: '*/15 * * * *',
    timeZone: 'UTC',
    service: 'sync-worker',
    description: 'Starts an incremental sync for every store with sync enabled whose last sync is due',
  },
  'daily-analysis': {
    cron: '0 2 * * *',
    timeZone: 'UTC',
    service: 'intelligence',
    description: 'Failed-search clustering, revenue prediction and insight generation for every store',
  },
  'trend-detection': {
    cron: '0 */4 * * *',
    timeZone: 'UTC',
    service: 'intelligence',
    description: 'Finds rising search terms and publishes trend alerts',
  },
  'anomaly-detection': {
    cron: '0 * * * *',
    timeZone: 'UTC',
    service: 'intelligence',
    description: 'Flags unusual search volume, zero-result rate and latency patterns per store',
  },
  'billing-run': {
    cron: '0 0 1 * *',
    timeZone: 'UTC',
    service: 'billing',
    description: 'Closes the previous month: reports usage, creates and finalizes invoices',
  },
  'usage-alerts': {
    cron: '0 * * * *',
    timeZone: 'UTC',
    service: 'billing',
    description: 'Checks each store against its monthly quota and publishes threshold alerts',
  },
  'weekly-summary': {
    cron: '0 * * * *',
    timeZone: 'UTC',
    service: 'notifier',
    description: "Sends the Weekly Wins email on Monday 09:00 in each store's own time zone",
    perStoreLocalTime: { weekday: 1, hour: 9 },
  },
});

export type JobName = keyof typeof SCHEDULES;
export const JOB_NAMES = Object.keys(SCHEDULES) as JobName[];
