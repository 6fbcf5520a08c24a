// The generated folder is a Terraform module: terraform/main.tf passes in what it owns
// (project, Cloud SQL, the DATABASE_URL secret, the image) and reads back the outputs.
import type { TfFile } from './terraform-json.ts';

export const MODULE_INPUTS = {
  project_id: 'GCP project id',
  region: 'Region of the Cloud Run services, Scheduler jobs and Pub/Sub push endpoints',
  image:
    'Container image the services are created with (infra/docker/Dockerfile); rollouts use gcloud run deploy',
  cloud_sql_instance: 'Cloud SQL connection name (project:region:instance) mounted into every service',
  database_url_secret:
    'Secret Manager secret id holding DATABASE_URL (its value is written by terraform/main.tf)',
  pubsub_service_agent: 'Email of the Pub/Sub service agent (service-<project number>@gcp-sa-pubsub…)',
  bigquery_location: 'Location of the analytics dataset',
  public_url:
    "The gateway's public URL (load balancer or custom domain): widget snippets, Shopify OAuth redirects and webhook callbacks point there",
  shopify_api_key: "The Shopify app's client id (not a secret); empty leaves the Shopify install off",
} as const;

export type ModuleInput = keyof typeof MODULE_INPUTS;

export function declareInputs(file: TfFile): void {
  for (const [name, description] of Object.entries(MODULE_INPUTS)) {
    file.variable(name, { type: 'string', description });
  }
}

export function declareProviders(file: TfFile): void {
  // The version constraint lives in the root module (terraform/versions.tf); a child module
  // only says which provider its resource types come from.
  file.terraform({ required_providers: { google: { source: 'hashicorp/google' } } });
}
