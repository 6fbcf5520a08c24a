import { type JobName, SCHEDULES, type ScheduleDefinition } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import type { Generated, Selectable } from 'kysely';
import type { Logger } from 'pino';
import { recordJobRun } from './metrics.ts';

export const JOB_RUN_STATUSES = ['running', 'succeeded', 'failed', 'skipped'] as const;
export type JobRunStatus = (typeof JOB_RUN_STATUSES)[number];

/** A row of `scheduler.job_runs`: the record every scheduled tick leaves behind. */
export interface JobRun {
  id: string;
  job: string;
  scheduledAt: Date;
  startedAt: Date;
  finishedAt: Date | null;
  status: JobRunStatus;
  durationMs: number | null;
  error: string | null;
}

export interface JobContext {
  /** The tick being run (not the wall clock): the same value on every runtime that fires it. */
  scheduledAt: Date;
  logger: Logger;
  /**
   * Copied from the schedule catalog. When set, the job fires hourly and the handler itself
   * picks the stores whose own local time is this weekday/hour (see `isLocalTimeDue`).
   */
  perStoreLocalTime?: ScheduleDefinition['perStoreLocalTime'];
}

export type JobHandler = (ctx: JobContext) => Promise<void>;

export interface JobOutcome {
  /** False when another runtime had already claimed this tick; `run` is then its record. */
  claimed: boolean;
  run: JobRun;
}

interface JobRunsTable {
  id: Generated<string>;
  job: string;
  scheduled_at: Date;
  started_at: Generated<Date>;
  finished_at: Date | null;
  status: JobRunStatus;
  duration_ms: number | null;
  error: string | null;
}

export interface SchedulerTables {
  'scheduler.job_runs': JobRunsTable;
}

type JobRunRow = Selectable<JobRunsTable>;

const toJobRun = (row: JobRunRow): JobRun => ({
  id: row.id,
  job: row.job,
  scheduledAt: row.scheduled_at,
  startedAt: row.started_at,
  finishedAt: row.finished_at,
  status: row.status,
  durationMs: row.duration_ms,
  error: row.error,
});

function describeError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  return typeof code === 'string' ? `${code}: ${err.message}` : err.message;
}

function catalogEntry(name: string): ScheduleDefinition | undefined {
  return (SCHEDULES as Record<string, ScheduleDefinition>)[name];
}

export interface RunJobOptions {
  /** Defaults to the schedule catalog's entry for the job. */
  perStoreLocalTime?: ScheduleDefinition['perStoreLocalTime'];
}

type JobRunsKysely = ReturnType<typeof jobRunsOf>;
const jobRunsOf = (db: Database) => db.as<SchedulerTables>().kysely;

type ClaimValues = Pick<JobRunRow, 'status'> &
  Partial<Pick<JobRunRow, 'error' | 'finished_at' | 'duration_ms'>>;

/** Inserts the tick's row; when another runtime inserted it first, returns theirs unclaimed. */
async function claimTick(
  jobRuns: JobRunsKysely,
  name: string,
  scheduledAt: Date,
  values: ClaimValues,
): Promise<{ claimed: boolean; row: JobRunRow }> {
  const inserted = await jobRuns
    .insertInto('scheduler.job_runs')
    .values({ job: name, scheduled_at: scheduledAt, ...values })
    .onConflict((oc) => oc.columns(['job', 'scheduled_at']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { claimed: true, row: inserted };
  const existing = await jobRuns
    .selectFrom('scheduler.job_runs')
    .selectAll()
    .where('job', '=', name)
    .where('scheduled_at', '=', scheduledAt)
    .executeTakeFirstOrThrow();
  return { claimed: false, row: existing };
}

/**
 * Claims the tick (job, scheduledAt) by inserting its run row, runs the handler and records
 * the outcome. A tick already claimed elsewhere is not run again.
 */
export async function runJob(
  db: Database,
  name: JobName | (string & {}),
  scheduledAt: Date,
  handler: JobHandler,
  logger: Logger,
  options: RunJobOptions = {},
): Promise<JobOutcome> {
  const jobRuns = jobRunsOf(db);
  const claim = await claimTick(jobRuns, name, scheduledAt, { status: 'running' });
  if (!claim.claimed) {
    logger.debug({ job: name, scheduledAt, runId: claim.row.id }, 'tick already claimed by another runtime');
    return { claimed: false, run: toJobRun(claim.row) };
  }

  const runLogger = logger.child({ job: name, runId: claim.row.id, scheduledAt: scheduledAt.toISOString() });
  const perStoreLocalTime = options.perStoreLocalTime ?? catalogEntry(name)?.perStoreLocalTime;
  const started = performance.now();
  let error: string | null = null;
  try {
    await handler({ scheduledAt, logger: runLogger, ...(perStoreLocalTime ? { perStoreLocalTime } : {}) });
  } catch (err) {
    error = describeError(err);
    runLogger.error({ err }, 'job failed');
  }
  const durationMs = Math.round(performance.now() - started);
  const status: JobRunStatus = error === null ? 'succeeded' : 'failed';
  const finished = await jobRuns
    .updateTable('scheduler.job_runs')
    .set({ status, error, duration_ms: durationMs, finished_at: new Date() })
    .where('id', '=', claim.row.id)
    .returningAll()
    .executeTakeFirstOrThrow();
  recordJobRun(name, status, durationMs);
  if (status === 'succeeded') runLogger.info({ durationMs }, 'job succeeded');
  return { claimed: true, run: toJobRun(finished) };
}

/**
 * Records a tick that was not run because this runtime's previous run of the job is still
 * going: the tick still leaves a record.
 */
export async function skipJob(
  db: Database,
  name: string,
  scheduledAt: Date,
  reason: string,
): Promise<JobOutcome> {
  const claim = await claimTick(jobRunsOf(db), name, scheduledAt, {
    status: 'skipped',
    error: reason,
    finished_at: new Date(),
    duration_ms: 0,
  });
  if (claim.claimed) recordJobRun(name, 'skipped', 0);
  return { claimed: claim.claimed, run: toJobRun(claim.row) };
}

/** The latest runs, newest first (for the CLI and dashboards). */
export async function listJobRuns(
  db: Database,
  options: { job?: string; limit?: number } = {},
): Promise<JobRun[]> {
  let query = jobRunsOf(db)
    .selectFrom('scheduler.job_runs')
    .selectAll()
    .orderBy('scheduled_at', 'desc')
    .limit(options.limit ?? 50);
  if (options.job !== undefined) query = query.where('job', '=', options.job);
  return (await query.execute()).map(toJobRun);
}
