import { SCHEDULES } from '@nlyzer/contracts';
import { type Database, migrate } from '@nlyzer/db';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listJobRuns, runJob, skipJob } from './job-runs.ts';
import { schedulerMigrations } from './migrations.ts';

const logger = pino({ level: 'silent' });
let test: TestDatabase;
let db: Database;

beforeAll(async () => {
  test = await testDatabase();
  db = test.db;
  await migrate(db, [schedulerMigrations]);
});
afterAll(() => test.cleanup());

describe('runJob', () => {
  it('runs the handler once and records a succeeded run with its duration', async () => {
    const scheduledAt = new Date('2026-03-01T10:00:00Z');
    const calls: Date[] = [];
    const outcome = await runJob(
      db,
      'usage-alerts',
      scheduledAt,
      async ({ scheduledAt }) => {
        calls.push(scheduledAt);
      },
      logger,
    );
    expect(calls).toEqual([scheduledAt]);
    expect(outcome.claimed).toBe(true);
    expect(outcome.run).toMatchObject({ job: 'usage-alerts', status: 'succeeded', error: null, scheduledAt });
    expect(outcome.run.durationMs).toBeGreaterThanOrEqual(0);
    expect(outcome.run.finishedAt).toBeInstanceOf(Date);
  });

  it('records a throwing handler as failed with its error', async () => {
    const outcome = await runJob(
      db,
      'daily-analysis',
      new Date('2026-03-01T02:00:00Z'),
      async () => {
        throw Object.assign(new Error('warehouse unreachable'), { code: 'provider_unavailable' });
      },
      logger,
    );
    expect(outcome.run.status).toBe('failed');
    expect(outcome.run.error).toBe('provider_unavailable: warehouse unreachable');
    const [stored] = await listJobRuns(db, { job: 'daily-analysis' });
    expect(stored).toEqual(outcome.run);
  });

  it('runs a tick claimed concurrently by two runtimes exactly once', async () => {
    const scheduledAt = new Date('2026-03-01T11:00:00Z');
    let calls = 0;
    const handler = async () => {
      calls++;
    };
    const outcomes = await Promise.all([
      runJob(db, 'anomaly-detection', scheduledAt, handler, logger),
      runJob(db, 'anomaly-detection', scheduledAt, handler, logger),
    ]);
    expect(calls).toBe(1);
    expect(outcomes.map((o) => o.claimed).sort()).toEqual([false, true]);
    expect(new Set(outcomes.map((o) => o.run.id)).size).toBe(1);
  });

  it('hands the catalog perStoreLocalTime to the handler', async () => {
    let seen: unknown;
    await runJob(
      db,
      'weekly-summary',
      new Date('2026-03-02T09:00:00Z'),
      async (ctx) => {
        seen = ctx.perStoreLocalTime;
      },
      logger,
    );
    expect(seen).toEqual(SCHEDULES['weekly-summary'].perStoreLocalTime);
  });

  it('records a skipped tick once', async () => {
    const scheduledAt = new Date('2026-03-01T12:15:00Z');
    const first = await skipJob(db, 'catalog-sync-tick', scheduledAt, 'previous run still in progress');
    const again = await skipJob(db, 'catalog-sync-tick', scheduledAt, 'previous run still in progress');
    expect(first).toMatchObject({
      claimed: true,
      run: { status: 'skipped', error: 'previous run still in progress' },
    });
    expect(again).toMatchObject({ claimed: false, run: { id: first.run.id } });
  });
});
