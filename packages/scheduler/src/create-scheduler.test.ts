import { jobPath, SCHEDULES, type ScheduleDefinition } from '@nlyzer/contracts';
import { type Database, migrate } from '@nlyzer/db';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createScheduler } from './create-scheduler.ts';
import { nextRunOf } from './cron-ticker.ts';
import { type JobHandler, listJobRuns } from './job-runs.ts';
import { isLocalTimeDue } from './local-time.ts';
import { schedulerMigrations } from './migrations.ts';

const silent = pino({ level: 'silent' });
let test: TestDatabase;
let db: Database;

beforeAll(async () => {
  test = await testDatabase();
  db = test.db;
  await migrate(db, [schedulerMigrations]);
});
afterAll(() => test.cleanup());

const everySecond = (name: string): ScheduleDefinition => ({
  name,
  cron: '* * * * * *',
  timeZone: 'UTC',
  target: { service: 'gateway', path: jobPath(name) },
  description: 'test tick',
});

describe('createScheduler', () => {
  it('fires on its cron, runs the handler once per tick and records each run', async () => {
    const ticks: Date[] = [];
    const handler: JobHandler = async ({ scheduledAt }) => {
      ticks.push(scheduledAt);
    };
    const scheduler = createScheduler({
      db,
      schedules: { 'solo-tick': everySecond('solo-tick') },
      jobs: new Map([['solo-tick', handler]]),
      logger: silent,
    });
    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 2300));
    await scheduler.stop();

    const runs = await listJobRuns(db, { job: 'solo-tick' });
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(runs).toHaveLength(ticks.length);
    expect(runs.every((r) => r.status === 'succeeded')).toBe(true);
    // A tick is the pattern's instant, not the moment the timer happened to fire.
    expect(ticks.every((t) => t.getUTCMilliseconds() === 0)).toBe(true);
  });

  it('runs each tick once when two schedulers share the database', async () => {
    let calls = 0;
    const handler: JobHandler = async () => {
      calls++;
    };
    const make = () =>
      createScheduler({
        db,
        schedules: { 'shared-tick': everySecond('shared-tick') },
        jobs: new Map([['shared-tick', handler]]),
        logger: silent,
      });
    const [a, b] = [make(), make()];
    a.start();
    b.start();
    await new Promise((resolve) => setTimeout(resolve, 2300));
    await Promise.all([a.stop(), b.stop()]);

    const runs = await listJobRuns(db, { job: 'shared-tick' });
    expect(runs.length).toBeGreaterThanOrEqual(2);
    expect(calls).toBe(runs.length);
  });

  it('records a tick that overlaps a still-running run as skipped', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => {
      release = resolve;
    });
    const scheduler = createScheduler({
      db,
      schedules: { 'slow-tick': everySecond('slow-tick') },
      jobs: new Map([['slow-tick', () => blocked]]),
      logger: silent,
    });
    const first = scheduler.tick('slow-tick', new Date('2026-03-01T00:00:00Z'));
    const second = await scheduler.tick('slow-tick', new Date('2026-03-01T00:00:01Z'));
    release();
    expect(second.run).toMatchObject({ status: 'skipped', error: 'previous run still in progress' });
    expect((await first).run.status).toBe('succeeded');
  });

  it('lists catalog jobs of absent services as waiting, once, without running them', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const scheduler = createScheduler({
      db,
      schedules: SCHEDULES,
      jobs: new Map<string, JobHandler>([['weekly-summary', async () => {}]]),
      logger,
    });
    scheduler.start();
    await scheduler.stop();

    expect(scheduler.active).toEqual(['weekly-summary']);
    expect(scheduler.waiting).toContainEqual({ job: 'billing-run', service: 'billing' });
    const messages = lines.map((line) => JSON.parse(line).msg as string);
    expect(messages.filter((m) => m === 'waiting for intelligence')).toHaveLength(1);
    expect(messages).toContain('waiting for sync-worker');
    expect(messages).not.toContain('waiting for notifier');
    expect(await listJobRuns(db, { job: 'weekly-summary' })).toEqual([]);
  });
});

describe('weekly-summary schedule', () => {
  const weekly = SCHEDULES['weekly-summary'];

  it('fires at the top of every hour in its catalog time zone', () => {
    expect(nextRunOf(weekly, new Date('2026-11-21T10:20:00Z'))).toEqual(new Date('2026-11-21T11:00:00Z'));
    expect(nextRunOf(weekly, new Date('2026-11-21T11:00:00Z'))).toEqual(new Date('2026-11-21T12:00:00Z'));
  });

  // The handler gets Monday 09:00 as perStoreLocalTime and picks each store on the hourly
  // tick where that store's own clock reads it.
  it.each([
    ['America/New_York', '2026-11-23T14:00:00.000Z'],
    ['Europe/Berlin', '2026-11-23T08:00:00.000Z'],
    ['Asia/Kolkata', '2026-11-23T04:00:00.000Z'],
    ['Pacific/Auckland', '2026-11-22T20:00:00.000Z'],
  ])('reaches Monday 09:00 for a store in %s at %s', (timeZone, expected) => {
    let at = new Date('2026-11-21T00:00:00Z');
    for (;;) {
      at = nextRunOf(weekly, at)!;
      if (isLocalTimeDue(at, timeZone, weekly.perStoreLocalTime!)) break;
    }
    expect(at.toISOString()).toBe(expected);
  });
});
