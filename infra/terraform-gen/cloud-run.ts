// One Cloud Run service per catalog service, all from the same image. The analytics writer
// (runtime `cloud-function`) runs the same way: Cloud Run functions are Cloud Run services,
// and deploying it from the shared image spares a second build pipeline; its profile
// (scale to zero, event-driven) is what makes it a function.
import { SERVICES, type ServiceName } from '@nlyzer/contracts';
import {
  CLOUD_RUN,
  callersOf,
  INPUT_ENV,
  labelsOf,
  runtimeEnv,
  secretsOf,
  serviceProfile,
  UPSTREAMS,
} from './deployment-settings.ts';
import { checkedId } from './gcp-names.ts';
import { type Identities, member } from './identities.ts';
import type { Secrets } from './secrets.ts';
import { type TfBody, type TfFile, TfResource, tfLabel, varRef } from './terraform-json.ts';

const CLOUD_SQL_VOLUME = 'cloudsql';

/** The address of a service's Cloud Run resource, also for services generated later in the loop. */
function cloudRunService(service: ServiceName): TfResource {
  return new TfResource('google_cloud_run_v2_service', tfLabel(service));
}

function mapValues<T>(record: Readonly<Record<string, T>> | undefined, f: (value: T) => string) {
  return Object.fromEntries(Object.entries(record ?? {}).map(([name, value]) => [name, f(value)]));
}

function envOf(service: ServiceName, secrets: Secrets, identities: Identities): TfBody[] {
  const env = {
    ...runtimeEnv(service, varRef('project_id'), identities.pubsubPush.ref('email')),
    ...mapValues(INPUT_ENV[service], varRef),
    ...mapValues(UPSTREAMS[service], (upstream) => cloudRunService(upstream).ref('uri')),
  };
  const plain = Object.entries(env).map(([name, value]) => ({
    name,
    value,
  }));
  const secret = secretsOf(service).map((name) => ({
    name,
    value_source: { secret_key_ref: { secret: secrets.secretIdOf.get(name)!, version: 'latest' } },
  }));
  return [...plain, ...secret];
}

export function buildCloudRun(
  file: TfFile,
  services: readonly ServiceName[],
  identities: Identities,
  secrets: Secrets,
): ReadonlyMap<ServiceName, TfResource> {
  const runs = new Map<ServiceName, TfResource>();
  for (const service of services) {
    const profile = serviceProfile(service);
    const labels = { ...labelsOf(service), runtime: SERVICES[service].runtime };
    const { type, label } = cloudRunService(service);
    const run = file.resource(type, label, {
      project: varRef('project_id'),
      name: checkedId('cloudRunService', service),
      location: varRef('region'),
      description: SERVICES[service].description,
      ingress: 'INGRESS_TRAFFIC_ALL',
      deletion_protection: false,
      labels,
      template: {
        labels,
        service_account: identities.services.get(service)!.ref('email'),
        timeout: CLOUD_RUN.requestTimeout,
        max_instance_request_concurrency: CLOUD_RUN.concurrency,
        scaling: { min_instance_count: profile.minInstances, max_instance_count: profile.maxInstances },
        volumes: [
          { name: CLOUD_SQL_VOLUME, cloud_sql_instance: { instances: [varRef('cloud_sql_instance')] } },
        ],
        containers: [
          {
            image: varRef('image'),
            ports: { container_port: CLOUD_RUN.containerPort },
            env: envOf(service, secrets, identities),
            resources: {
              limits: { cpu: profile.cpu, memory: profile.memory },
              cpu_idle: true,
              startup_cpu_boost: true,
            },
            volume_mounts: [{ name: CLOUD_SQL_VOLUME, mount_path: CLOUD_RUN.cloudSqlMountPath }],
            startup_probe: { http_get: { path: '/readyz' }, period_seconds: 5, failure_threshold: 24 },
            liveness_probe: { http_get: { path: '/healthz' }, period_seconds: 30 },
          },
        ],
      },
      // Terraform creates each service with var.image; Cloud Build rolls new images out with
      // `gcloud run deploy`, which Terraform must not revert on its next apply.
      lifecycle: { ignore_changes: ['template[0].containers[0].image', 'client', 'client_version'] },
      // A revision whose account cannot read its secrets fails to start.
      depends_on: (secrets.grantsOf.get(service) ?? []).map((grant) => grant.address),
    });
    runs.set(service, run);
  }

  for (const service of services) {
    const run = runs.get(service)!;
    // Internal services keep Cloud Run's IAM check (ingress stays open: without a VPC the
    // gateway reaches them over their run.app URLs, which internal-only ingress would refuse)
    // and admit only the push and scheduler identities and their declared HTTP callers, who
    // present a Google-signed ID token for the service's URL. The public edge accepts anyone
    // and checks its own auth.
    const members = serviceProfile(service).public
      ? ['allUsers']
      : [
          member(identities.pubsubPush),
          member(identities.scheduler),
          ...callersOf(service).map((caller) => member(identities.services.get(caller)!)),
        ];
    file.resource('google_cloud_run_v2_service_iam_binding', `${tfLabel(service)}_invokers`, {
      project: varRef('project_id'),
      location: varRef('region'),
      name: run.ref('name'),
      role: 'roles/run.invoker',
      members,
    });
  }
  return runs;
}
