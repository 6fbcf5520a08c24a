// Secret Manager: the containers of the provider credentials and who may read each one.
// Values are never in Terraform (except DATABASE_URL, derived in terraform/main.tf); an
// operator adds versions with `gcloud secrets versions add`.
import type { ServiceName } from '@nlyzer/contracts';
import { DATABASE_URL_SECRET, labelsOf, SECRET_ENV } from './deployment-settings.ts';
import { secretId } from './gcp-names.ts';
import { member } from './identities.ts';
import { type TfFile, type TfResource, tfLabel, varRef } from './terraform-json.ts';

export interface Secrets {
  /** Env var → expression of the secret id to reference from Cloud Run. */
  secretIdOf: ReadonlyMap<string, string>;
  /** The accessor grants of each service: its revision cannot start before they exist. */
  grantsOf: ReadonlyMap<ServiceName, TfResource[]>;
  /** Env var → the generated secret resource (DATABASE_URL is not one). */
  generated: ReadonlyMap<string, TfResource>;
}

export function buildSecrets(file: TfFile, accounts: ReadonlyMap<ServiceName, TfResource>): Secrets {
  const secretIdOf = new Map<string, string>();
  const generated = new Map<string, TfResource>();
  const grantsOf = new Map<ServiceName, TfResource[]>();

  for (const [envVar, readers] of Object.entries(SECRET_ENV)) {
    if (envVar === DATABASE_URL_SECRET) {
      secretIdOf.set(envVar, varRef('database_url_secret'));
    } else {
      const secret = file.resource('google_secret_manager_secret', tfLabel(envVar.toLowerCase()), {
        project: varRef('project_id'),
        secret_id: secretId(envVar),
        labels: labelsOf(),
        replication: { auto: {} },
      });
      generated.set(envVar, secret);
      secretIdOf.set(envVar, secret.ref('secret_id'));
    }

    for (const service of readers) {
      const account = accounts.get(service);
      if (!account) continue;
      const grant = file.resource(
        'google_secret_manager_secret_iam_member',
        `${tfLabel(envVar.toLowerCase())}_${tfLabel(service)}`,
        {
          project: varRef('project_id'),
          secret_id: secretIdOf.get(envVar)!,
          role: 'roles/secretmanager.secretAccessor',
          member: member(account),
        },
      );
      grantsOf.set(service, [...(grantsOf.get(service) ?? []), grant]);
    }
  }
  return { secretIdOf, grantsOf, generated };
}
