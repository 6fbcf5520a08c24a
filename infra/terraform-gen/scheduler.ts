// Cloud Scheduler from the schedule catalog: each job POSTs to `/jobs/<name>` on its target
// service with an OIDC token. Cloud Scheduler adds the X-CloudScheduler-ScheduleTime header,
// which the jobs route uses as the tick's scheduled time.
import { jobPath, SCHEDULES, type ScheduleDefinition, type ServiceName } from '@nlyzer/contracts';
import { SCHEDULER } from './deployment-settings.ts';
import { checkedId } from './gcp-names.ts';
import type { Identities } from './identities.ts';
import { type TfFile, type TfResource, tfLabel, varRef } from './terraform-json.ts';

/** An empty JSON object: Fastify rejects an empty body sent as application/json. */
const EMPTY_JSON_BODY = Buffer.from('{}').toString('base64');

function describe(schedule: ScheduleDefinition): string {
  const local = schedule.perStoreLocalTime;
  return local
    ? `${schedule.description} (runs hourly; acts for stores at local weekday ${local.weekday}, ${local.hour}:00)`
    : schedule.description;
}

export function buildScheduler(
  file: TfFile,
  identities: Identities,
  runs: ReadonlyMap<ServiceName, TfResource>,
): void {
  const schedules: readonly ScheduleDefinition[] = Object.values(SCHEDULES);
  for (const schedule of schedules) {
    const run = runs.get(schedule.target.service)!;
    file.resource('google_cloud_scheduler_job', tfLabel(schedule.name), {
      project: varRef('project_id'),
      region: varRef('region'),
      name: checkedId('schedulerJob', schedule.name),
      description: describe(schedule),
      schedule: schedule.cron,
      time_zone: schedule.timeZone,
      attempt_deadline: SCHEDULER.attemptDeadline,
      retry_config: {
        retry_count: SCHEDULER.retryCount,
        min_backoff_duration: SCHEDULER.minBackoff,
        max_backoff_duration: SCHEDULER.maxBackoff,
      },
      http_target: {
        http_method: 'POST',
        uri: `${run.ref('uri')}${jobPath(schedule.name)}`,
        headers: { 'Content-Type': 'application/json' },
        body: EMPTY_JSON_BODY,
        oidc_token: { service_account_email: identities.scheduler.ref('email'), audience: run.ref('uri') },
      },
    });
  }
}
