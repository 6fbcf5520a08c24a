import { jobPath, SCHEDULES, type ScheduleDefinition } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { AppError } from '@nlyzer/service-kit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { Logger } from 'pino';
import Type from 'typebox';
import { type JobHandler, runJob } from './job-runs.ts';

export interface JobsPluginOptions {
  db: Database;
  /** This service's handlers, by schedule-catalog job name. */
  jobs: ReadonlyMap<string, JobHandler>;
  /** Defaults to the schedule catalog. */
  schedules?: Readonly<Record<string, ScheduleDefinition>>;
}

/** Cloud Scheduler stamps each call with the tick it belongs to (RFC 3339). */
const SCHEDULE_TIME_HEADER = 'x-cloudscheduler-scheduletime';

const Params = Type.Object({ name: Type.String({ pattern: '^[a-z0-9-]+$', maxLength: 100 }) });

/** The tick: Cloud Scheduler's header, else `scheduledAt` of a JSON body (manual runs), else now. */
function scheduledAtOf(header: unknown, body: unknown): Date {
  const fromBody =
    typeof body === 'object' && body !== null ? (body as { scheduledAt?: unknown }).scheduledAt : undefined;
  const [given, path] =
    typeof header === 'string'
      ? [header, `/headers/${SCHEDULE_TIME_HEADER}`]
      : [fromBody, '/body/scheduledAt'];
  if (given === undefined) return new Date();
  const at = typeof given === 'string' ? new Date(given) : new Date(Number.NaN);
  if (Number.isNaN(at.getTime())) {
    throw new AppError('validation_failed', 'The schedule time is not a date-time', {
      errors: [{ path, message: 'must be an RFC 3339 date-time' }],
    });
  }
  return at;
}

/**
 * `POST /jobs/:name`: how Cloud Scheduler runs a job on Cloud Run (the service's IAM invoker
 * check authenticates the OIDC token before the request gets here). The run goes through
 * `runJob`, so a retried or duplicated call for the same tick does not run it twice. The
 * answer is 200 with the run record whatever the job's outcome: a failure is recorded (and
 * counted in the metrics), and a retry could not re-run the claimed tick anyway.
 */
export const jobsPlugin = fp(
  async (app: FastifyInstance, options: JobsPluginOptions) => {
    const schedules = options.schedules ?? (SCHEDULES as Record<string, ScheduleDefinition>);
    // Encapsulated so the catch-all body parser stays on this route.
    await app.register(async (scope) => {
      // Cloud Scheduler posts application/octet-stream unless told otherwise; nothing in it matters here.
      scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, _body, done) =>
        done(null, undefined),
      );
      scope.post(jobPath(':name'), { schema: { params: Params } }, async (request) => {
        const { name } = request.params as { name: string };
        const handler = options.jobs.get(name);
        if (!handler) {
          const elsewhere = schedules[name]?.target.service;
          throw new AppError(
            'not_found',
            elsewhere ? `Job ${name} runs on ${elsewhere}` : `No job named ${name}`,
          );
        }
        const scheduledAt = scheduledAtOf(request.headers[SCHEDULE_TIME_HEADER], request.body);
        const { claimed, run } = await runJob(options.db, name, scheduledAt, handler, request.log as Logger, {
          perStoreLocalTime: schedules[name]?.perStoreLocalTime,
        });
        return { claimed, run };
      });
    });
  },
  { name: '@nlyzer/scheduler/jobs', fastify: '5.x' },
);
