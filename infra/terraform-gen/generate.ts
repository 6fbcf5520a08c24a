// Builds the generated Terraform module from the contracts: file name → file content.
import { SERVICE_NAMES } from '@nlyzer/contracts';
import { buildBigQuery } from './bigquery.ts';
import { buildCloudRun } from './cloud-run.ts';
import { buildIdentities } from './identities.ts';
import { declareInputs, declareProviders } from './module-interface.ts';
import { buildPubSub } from './pubsub.ts';
import { buildScheduler } from './scheduler.ts';
import { buildSecrets } from './secrets.ts';
import { TfFile } from './terraform-json.ts';

export const GENERATED_HEADER =
  'Generated from @nlyzer/contracts by infra/terraform-gen. Do not edit: run `pnpm --filter @nlyzer/infra gen:terraform`.';

export function generateTerraform(): Map<string, string> {
  const file = (name: string) => new TfFile(name);
  const module = file('module.tf.json');
  const identitiesFile = file('identities.tf.json');
  const secretsFile = file('secrets.tf.json');
  const cloudRunFile = file('cloud-run.tf.json');
  const pubsubFile = file('pubsub.tf.json');
  const schedulerFile = file('scheduler.tf.json');
  const bigqueryFile = file('bigquery.tf.json');

  declareProviders(module);
  declareInputs(module);
  const identities = buildIdentities(identitiesFile, SERVICE_NAMES);
  const secrets = buildSecrets(secretsFile, identities.services);
  const runs = buildCloudRun(cloudRunFile, SERVICE_NAMES, identities, secrets);
  buildPubSub(pubsubFile, identities, runs);
  buildScheduler(schedulerFile, identities, runs);
  buildBigQuery(bigqueryFile, identities);

  module.output('service_urls', {
    description: 'Cloud Run URL of each service',
    value: Object.fromEntries([...runs].map(([service, run]) => [service, run.ref('uri')])),
  });
  module.output('service_accounts', {
    description: 'Runtime service account email of each service',
    value: Object.fromEntries(
      [...identities.services].map(([service, account]) => [service, account.ref('email')]),
    ),
  });
  module.output('secret_ids', {
    description:
      'Secret Manager secret id of each provider credential, by env var (versions are added by hand)',
    value: Object.fromEntries(
      [...secrets.generated].map(([envVar, secret]) => [envVar, secret.ref('secret_id')]),
    ),
  });

  const files = [module, identitiesFile, secretsFile, cloudRunFile, pubsubFile, schedulerFile, bigqueryFile];
  return new Map(files.map((f) => [f.name, f.render(GENERATED_HEADER)]));
}
