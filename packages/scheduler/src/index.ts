export {
  createScheduler,
  type Scheduler,
  type SchedulerOptions,
  type WaitingJob,
} from './create-scheduler.ts';
export { type CronTicker, nextRunOf, startCronTicker } from './cron-ticker.ts';
export {
  JOB_RUN_STATUSES,
  type JobContext,
  type JobHandler,
  type JobOutcome,
  type JobRun,
  type JobRunStatus,
  listJobRuns,
  type RunJobOptions,
  runJob,
  skipJob,
} from './job-runs.ts';
export { type JobsPluginOptions, jobsPlugin } from './jobs-plugin.ts';
export { isLocalTimeDue } from './local-time.ts';
export { schedulerMigrations } from './migrations.ts';
