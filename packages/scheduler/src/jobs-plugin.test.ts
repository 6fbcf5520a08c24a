import { createInProcessBus, createOutbox } from '@nlyzer/bus';
import { PROBLEM_CONTENT_TYPE } from '@nlyzer/contracts';
import { type Database, migrate } from '@nlyzer/db';
import { type App, baseConfigSchema, createApp, createLogger, loadConfig } from '@nlyzer/service-kit';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobHandler } from './job-runs.ts';
import { jobsPlugin } from './jobs-plugin.ts';
import { schedulerMigrations } from './migrations.ts';

let test: TestDatabase;
let db: Database;
let app: App;
const calls: Date[] = [];

beforeAll(async () => {
  test = await testDatabase();
  db = test.db;
  await migrate(db, [schedulerMigrations]);
  const logger = createLogger({ service: 'billing', level: 'silent' });
  const bus = createInProcessBus();
  const outbox = createOutbox({ db, bus, source: 'billing' });
  app = await createApp({
    name: 'billing',
    config: loadConfig(baseConfigSchema, {}),
    logger,
    db,
    bus,
    outbox,
  });
  const jobs = new Map<string, JobHandler>([
    [
      'usage-alerts',
      async ({ scheduledAt }) => {
        calls.push(scheduledAt);
      },
    ],
    [
      'billing-run',
      async () => {
        throw new Error('ledger locked');
      },
    ],
  ]);
  await app.register(jobsPlugin, { db, jobs });
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await test.cleanup();
});

describe('POST /jobs/:name', () => {
  it('runs the job for the Cloud Scheduler tick and answers with its run record, once per tick', async () => {
    const headers = {
      'x-cloudscheduler-scheduletime': '2026-03-02T10:00:00Z',
      'content-type': 'application/octet-stream',
    };
    const first = await app.inject({
      method: 'POST',
      url: '/jobs/usage-alerts',
      headers,
      payload: Buffer.alloc(0),
    });
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({
      claimed: true,
      run: { job: 'usage-alerts', status: 'succeeded', scheduledAt: '2026-03-02T10:00:00.000Z', error: null },
    });

    const retried = await app.inject({ method: 'POST', url: '/jobs/usage-alerts', headers });
    expect(retried.statusCode).toBe(200);
    expect(retried.json()).toMatchObject({ claimed: false, run: { id: first.json().run.id } });
    expect(calls).toEqual([new Date('2026-03-02T10:00:00Z')]);
  });

  it('records a failing job and still answers 200 with the failure', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/jobs/billing-run',
      payload: { scheduledAt: '2026-03-01T00:00:00Z' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ claimed: true, run: { status: 'failed', error: 'ledger locked' } });
  });

  it('answers 404 problem+json for a job this service does not run', async () => {
    const elsewhere = await app.inject({ method: 'POST', url: '/jobs/weekly-summary' });
    expect(elsewhere.statusCode).toBe(404);
    expect(elsewhere.headers['content-type']).toContain(PROBLEM_CONTENT_TYPE);
    expect(elsewhere.json()).toMatchObject({
      code: 'not_found',
      detail: 'Job weekly-summary runs on notifier',
    });

    const unknown = await app.inject({ method: 'POST', url: '/jobs/no-such-job' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'not_found', detail: 'No job named no-such-job' });
  });

  it('rejects a schedule time that is not a date-time', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/jobs/usage-alerts',
      headers: { 'x-cloudscheduler-scheduletime': 'yesterday' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({
      code: 'validation_failed',
      errors: [{ path: '/headers/x-cloudscheduler-scheduletime' }],
    });
  });
});
