import { Counter, Histogram, register } from 'prom-client';

// Registered on the default registry, which the kit's /metrics serves. Looked up first so a
// second copy of this module (test isolation) reuses the metric instead of failing.
const runs =
  (register.getSingleMetric('nlyzer_scheduler_job_runs_total') as Counter<'job' | 'status'> | undefined) ??
  new Counter({
    name: 'nlyzer_scheduler_job_runs_total',
    help: 'Scheduled job runs by job and final status',
    labelNames: ['job', 'status'] as const,
  });

const duration =
  (register.getSingleMetric('nlyzer_scheduler_job_duration_seconds') as Histogram<'job'> | undefined) ??
  new Histogram({
    name: 'nlyzer_scheduler_job_duration_seconds',
    help: 'Duration of scheduled job runs',
    labelNames: ['job'] as const,
    buckets: [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900],
  });

export function recordJobRun(job: string, status: string, durationMs: number): void {
  runs.inc({ job, status });
  if (status !== 'skipped') duration.observe({ job }, durationMs / 1000);
}
