import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { isTimeZone } from './primitives.ts';
import { JOB_NAMES, jobPath, SCHEDULES } from './schedules.ts';
import { SERVICE_NAMES } from './services.ts';

describe('schedule catalog', () => {
  it.each(JOB_NAMES)('%s has a 5-field cron that parses in its time zone', (name) => {
    const { cron, timeZone } = SCHEDULES[name];
    expect(isTimeZone(timeZone)).toBe(true);
    expect(cron.trim().split(/\s+/)).toHaveLength(5);
    const next = new Cron(cron, { timezone: timeZone, paused: true }).nextRun();
    expect(next).toBeInstanceOf(Date);
  });

  it.each(JOB_NAMES)('%s targets a known service at its derived job path', (name) => {
    const { target } = SCHEDULES[name];
    expect(SERVICE_NAMES).toContain(target.service);
    expect(target.path).toBe(`/jobs/${name}`);
    expect(jobPath(name)).toBe(target.path);
    expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
  });

  it('runs the billing run at 00:00 UTC on the first of the month', () => {
    const { cron, timeZone } = SCHEDULES['billing-run'];
    const next = new Cron(cron, { timezone: timeZone, paused: true }).nextRun(
      new Date('2025-03-14T10:00:00Z'),
    );
    expect(next?.toISOString()).toBe('2025-04-01T00:00:00.000Z');
  });

  it('runs the daily analysis at 02:00 UTC', () => {
    const { cron, timeZone } = SCHEDULES['daily-analysis'];
    const next = new Cron(cron, { timezone: timeZone, paused: true }).nextRun(
      new Date('2025-03-14T10:00:00Z'),
    );
    expect(next?.toISOString()).toBe('2025-03-15T02:00:00.000Z');
  });

  it('runs per-store local-time jobs hourly so every time zone gets its local hour', () => {
    for (const name of JOB_NAMES) {
      const { cron, perStoreLocalTime } = SCHEDULES[name];
      if (!perStoreLocalTime) continue;
      expect(cron).toBe('0 * * * *');
      expect(perStoreLocalTime.weekday).toBeGreaterThanOrEqual(0);
      expect(perStoreLocalTime.weekday).toBeLessThanOrEqual(6);
      expect(perStoreLocalTime.hour).toBeGreaterThanOrEqual(0);
      expect(perStoreLocalTime.hour).toBeLessThanOrEqual(23);
    }
    expect(SCHEDULES['weekly-summary'].perStoreLocalTime).toEqual({ weekday: 1, hour: 9 });
  });
});
