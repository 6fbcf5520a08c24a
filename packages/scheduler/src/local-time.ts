import type { ScheduleDefinition } from '@nlyzer/contracts';

type LocalTime = NonNullable<ScheduleDefinition['perStoreLocalTime']>;

const formatters = new Map<string, Intl.DateTimeFormat>();
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/**
 * True when `at`, read in `timeZone`, falls on the wanted weekday and hour. Handlers of
 * `perStoreLocalTime` jobs run hourly and use this to pick the stores that are due.
 */
export function isLocalTimeDue(at: Date, timeZone: string, wanted: LocalTime): boolean {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      weekday: 'short',
      hour: 'numeric',
      hourCycle: 'h23',
    });
    formatters.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const weekday = WEEKDAYS.indexOf(parts.find((p) => p.type === 'weekday')?.value ?? '');
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  return weekday === wanted.weekday && hour === wanted.hour;
}
