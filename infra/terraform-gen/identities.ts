// One service account per service, plus the two identities that call services: Pub/Sub
// push deliveries and Cloud Scheduler jobs, each signing its requests with an OIDC token.
import type { ServiceName } from '@nlyzer/contracts';
import { serviceAccountId } from './gcp-names.ts';
import { type TfFile, type TfResource, tfLabel, varRef } from './terraform-json.ts';

export interface Identities {
  services: ReadonlyMap<ServiceName, TfResource>;
  pubsubPush: TfResource;
  scheduler: TfResource;
}

function serviceAccount(file: TfFile, name: string, displayName: string): TfResource {
  return file.resource('google_service_account', tfLabel(name), {
    project: varRef('project_id'),
    account_id: serviceAccountId(name),
    display_name: displayName,
  });
}

export function member(account: TfResource): string {
  return `serviceAccount:${account.ref('email')}`;
}

export function buildIdentities(file: TfFile, services: readonly ServiceName[]): Identities {
  const accounts = new Map<ServiceName, TfResource>();
  for (const service of services) {
    const account = serviceAccount(file, service, `NLyzer ${service} service`);
    accounts.set(service, account);
    file.resource('google_project_iam_member', `${tfLabel(service)}_cloudsql_client`, {
      project: varRef('project_id'),
      role: 'roles/cloudsql.client',
      member: member(account),
    });
  }

  const pubsubPush = serviceAccount(file, 'pubsub-push', 'NLyzer Pub/Sub push deliveries');
  // The Pub/Sub service agent mints the push OIDC tokens as this account.
  file.resource('google_service_account_iam_member', 'pubsub_push_token_creator', {
    service_account_id: pubsubPush.ref('name'),
    role: 'roles/iam.serviceAccountTokenCreator',
    member: `serviceAccount:${varRef('pubsub_service_agent')}`,
  });
  const scheduler = serviceAccount(file, 'scheduler', 'NLyzer Cloud Scheduler jobs');
  return { services: accounts, pubsubPush, scheduler };
}
