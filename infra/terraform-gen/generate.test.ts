import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  jobPath,
  SCHEDULES,
  type ScheduleDefinition,
  SERVICE_NAMES,
  SERVICES,
  TOPICS,
  type TopicDefinition,
} from '@nlyzer/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callersOf, DELIVERY, SECRET_ENV, secretsOf, serviceProfile } from './deployment-settings.ts';
import { deadLetterId, subscriptionId } from './gcp-names.ts';
import { GENERATED_DIR } from './paths.ts';
import { readTfJsonFiles, resourcesOfType, type TfJson } from './read-terraform.ts';
import { interpolate as tf, tfLabel } from './terraform-json.ts';
import { writeTerraform } from './write-terraform.ts';

const topics: readonly TopicDefinition[] = Object.values(TOPICS);
const schedules: readonly ScheduleDefinition[] = Object.values(SCHEDULES);
const files = readTfJsonFiles();
const of = (type: string) => resourcesOfType(files, type);
const byName = (type: string, nameKey = 'name') =>
  new Map(Object.values(of(type)).map((body) => [body[nameKey] as string, body]));
const runUri = (service: string) => tf(`google_cloud_run_v2_service.${tfLabel(service)}.uri`);

describe('terraform/generated', () => {
  let fresh: string;
  beforeAll(async () => {
    fresh = await mkdtemp(join(tmpdir(), 'nlyzer-tf-'));
  });
  afterAll(async () => {
    await rm(fresh, { recursive: true, force: true });
  });

  it('is what the generator writes from the current catalogs (run `pnpm --filter @nlyzer/infra gen:terraform`)', async () => {
    await writeTerraform(fresh);
    const committed = (await readdir(GENERATED_DIR)).filter((name) => name.endsWith('.tf.json')).sort();
    const regenerated = (await readdir(fresh)).sort();
    expect(committed).toEqual(regenerated);
    for (const name of regenerated) {
      expect(await readFile(join(GENERATED_DIR, name), 'utf8'), name).toBe(
        await readFile(join(fresh, name), 'utf8'),
      );
    }
  });

  it('removes generated files the catalogs no longer produce', async () => {
    await writeFile(join(fresh, 'renamed-topic.tf.json'), '{}');
    await writeTerraform(fresh);
    expect(await readdir(fresh)).not.toContain('renamed-topic.tf.json');
  });

  it('is well-formed Terraform JSON: only known top-level blocks', () => {
    expect(files.size).toBeGreaterThan(0);
    for (const [name, doc] of files) {
      for (const key of Object.keys(doc)) {
        expect(['//', 'terraform', 'variable', 'resource', 'output'], `${name}: ${key}`).toContain(key);
      }
    }
  });
});

describe('Pub/Sub from the topic catalog', () => {
  const topicResources = byName('google_pubsub_topic');
  const subscriptions = byName('google_pubsub_subscription');

  it('has one topic per catalog entry', () => {
    for (const topic of topics) expect(topicResources.has(topic.name), topic.name).toBe(true);
  });

  it('has one push subscription per (topic, subscriber), ordered where the catalog has an ordering key', () => {
    for (const topic of topics) {
      for (const subscriber of topic.subscribers) {
        const name = subscriptionId(subscriber, topic.name);
        const subscription = subscriptions.get(name);
        expect(subscription, name).toBeDefined();
        expect(subscription?.topic).toBe(tf(`google_pubsub_topic.${tfLabel(topic.name)}.id`));
        expect(subscription?.enable_message_ordering).toBe(topic.orderingKey !== null);
        expect(subscription?.push_config.push_endpoint).toBe(`${runUri(subscriber)}${DELIVERY.pushPath}`);
        expect(subscription?.push_config.oidc_token.service_account_email).toBe(
          tf('google_service_account.pubsub_push.email'),
        );
        expect(subscription?.retry_policy).toEqual({
          minimum_backoff: DELIVERY.minimumBackoff,
          maximum_backoff: DELIVERY.maximumBackoff,
        });
        expect(subscription?.dead_letter_policy).toEqual({
          dead_letter_topic: tf(`google_pubsub_topic.${tfLabel(deadLetterId(subscriber))}.id`),
          max_delivery_attempts: DELIVERY.maxDeliveryAttempts,
        });
      }
    }
  });

  it('has no subscription the catalog does not list, besides one dead-letter pull subscription per subscriber', () => {
    const expected = new Set(topics.flatMap((t) => t.subscribers.map((s) => subscriptionId(s, t.name))));
    const subscribers = new Set(topics.flatMap((t) => t.subscribers));
    for (const service of subscribers) expected.add(deadLetterId(service));
    expect([...subscriptions.keys()].sort()).toEqual([...expected].sort());
    for (const service of subscribers) {
      const deadLetters = subscriptions.get(deadLetterId(service));
      expect(deadLetters?.push_config, 'dead letters are pulled for inspection').toBeUndefined();
      expect(deadLetters?.topic).toBe(tf(`google_pubsub_topic.${tfLabel(deadLetterId(service))}.id`));
    }
  });

  it('lets exactly the catalog publisher publish to each topic (every service for "any")', () => {
    const grants = Object.values(of('google_pubsub_topic_iam_member')).filter(
      (g) => !g.member.includes('pubsub_service_agent'),
    );
    for (const topic of topics) {
      const publishers = topic.publisher === 'any' ? SERVICE_NAMES : [topic.publisher];
      const members = grants
        .filter((g) => g.topic === tf(`google_pubsub_topic.${tfLabel(topic.name)}.name`))
        .map((g) => g.member)
        .sort();
      expect(members, topic.name).toEqual(
        publishers.map((p) => `serviceAccount:${tf(`google_service_account.${tfLabel(p)}.email`)}`).sort(),
      );
    }
  });
});

describe('Cloud Scheduler from the schedule catalog', () => {
  const jobs = byName('google_cloud_scheduler_job');

  it('has one job per schedule with its cron, time zone and POST to /jobs/<name> on the target service', () => {
    expect([...jobs.keys()].sort()).toEqual(schedules.map((s) => s.name).sort());
    for (const schedule of schedules) {
      const job = jobs.get(schedule.name);
      expect(job?.schedule, schedule.name).toBe(schedule.cron);
      expect(job?.time_zone).toBe(schedule.timeZone);
      expect(job?.http_target.http_method).toBe('POST');
      expect(job?.http_target.uri).toBe(`${runUri(schedule.target.service)}${jobPath(schedule.name)}`);
      expect(job?.http_target.oidc_token.service_account_email).toBe(
        tf('google_service_account.scheduler.email'),
      );
    }
  });
});

describe('Cloud Run from the service catalog', () => {
  const services = byName('google_cloud_run_v2_service');
  const envOf = (service: TfJson) => service.template.containers[0].env as TfJson[];

  it('runs every service from the image variable as its own service account with Cloud SQL mounted', () => {
    expect([...services.keys()].sort()).toEqual([...SERVICE_NAMES].sort());
    for (const name of SERVICE_NAMES) {
      const service = services.get(name)!;
      expect(service.template.service_account).toBe(tf(`google_service_account.${tfLabel(name)}.email`));
      expect(service.template.containers[0].image).toBe(tf('var.image'));
      expect(service.template.volumes[0].cloud_sql_instance.instances).toEqual([
        tf('var.cloud_sql_instance'),
      ]);
      expect(envOf(service)).toContainEqual({ name: 'SERVICE', value: name });
      expect(service.labels.runtime).toBe(SERVICES[name].runtime);
    }
  });

  it('exposes each secret as an env var only to the services that read it', () => {
    for (const name of SERVICE_NAMES) {
      const secretEnv = envOf(services.get(name)!)
        .filter((env) => env.value_source)
        .map((env) => env.name)
        .sort();
      expect(secretEnv, name).toEqual(secretsOf(name).sort());
    }
    for (const [envVar, readers] of Object.entries(SECRET_ENV)) {
      expect(readers.length, `${envVar} is read by someone`).toBeGreaterThan(0);
    }
  });

  it('gives every env var one value per service', () => {
    for (const name of SERVICE_NAMES) {
      const names = envOf(services.get(name)!).map((env) => env.name);
      expect(names, name).toEqual([...new Set(names)]);
    }
  });

  it("points the gateway at search's and the sync worker's Cloud Run URLs and at the public URL", () => {
    const gatewayEnv = envOf(services.get('gateway')!);
    expect(gatewayEnv).toContainEqual({ name: 'SEARCH_SERVICE_URL', value: runUri('search') });
    expect(gatewayEnv).toContainEqual({ name: 'SYNC_WORKER_URL', value: runUri('sync-worker') });
    expect(gatewayEnv).toContainEqual({ name: 'PUBLIC_URL', value: tf('var.public_url') });
    const syncWorkerEnv = envOf(services.get('sync-worker')!);
    expect(syncWorkerEnv).toContainEqual({ name: 'PUBLIC_URL', value: tf('var.public_url') });
    expect(syncWorkerEnv).toContainEqual({ name: 'SHOPIFY_API_KEY', value: tf('var.shopify_api_key') });
  });

  it('lets only the push and scheduler identities and declared HTTP callers invoke an internal service', () => {
    const bindings = of('google_cloud_run_v2_service_iam_binding');
    expect(Object.keys(bindings)).toHaveLength(SERVICE_NAMES.length);
    const account = (service: string) =>
      `serviceAccount:${tf(`google_service_account.${tfLabel(service)}.email`)}`;
    for (const name of SERVICE_NAMES) {
      const binding = bindings[`${tfLabel(name)}_invokers`];
      expect(binding?.role).toBe('roles/run.invoker');
      expect(binding?.name).toBe(tf(`google_cloud_run_v2_service.${tfLabel(name)}.name`));
      const expected = serviceProfile(name).public
        ? ['allUsers']
        : [
            `serviceAccount:${tf('google_service_account.pubsub_push.email')}`,
            `serviceAccount:${tf('google_service_account.scheduler.email')}`,
            ...callersOf(name).map(account),
          ];
      expect(binding?.members.sort(), name).toEqual(expected.sort());
    }
    expect(bindings.search_invokers?.members).toContain(account('gateway'));
    expect(bindings.sync_worker_invokers?.members).toContain(account('gateway'));
    expect(bindings.gateway_invokers?.members).toEqual(['allUsers']);
  });
});

describe('BigQuery analytics dataset', () => {
  it('has search_events partitioned by day of occurred_at and clustered by store', () => {
    const [table] = Object.values(of('google_bigquery_table'));
    expect(table?.table_id).toBe('search_events');
    expect(table?.time_partitioning).toEqual({ type: 'DAY', field: 'occurred_at' });
    expect(table?.clustering).toEqual(['store_id']);
    const columns = (JSON.parse(table?.schema) as { name: string; type: string }[]).map((c) => c.name);
    const payloadFields = Object.keys(TOPICS['search.performed'].payload.properties);
    for (const field of ['event_id', 'occurred_at', ...payloadFields]) expect(columns).toContain(field);
    expect(Object.values(of('google_bigquery_dataset'))[0]?.dataset_id).toBe('analytics');
  });
});
