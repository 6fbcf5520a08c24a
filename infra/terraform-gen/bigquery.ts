// The analytics warehouse: dataset `analytics` and the `search_events` table, one row per
// search event, partitioned by day of `occurred_at` and clustered by store so a merchant's
// dashboards scan only that merchant's blocks of the days asked for.
import { EventEnvelope, type ServiceName, TOPICS } from '@nlyzer/contracts';
import { eventTableFields } from './bigquery-schema.ts';
import { labelsOf, WAREHOUSE } from './deployment-settings.ts';
import { checkedId } from './gcp-names.ts';
import { type Identities, member } from './identities.ts';
import { type TfFile, tfLabel, varRef } from './terraform-json.ts';

export function buildBigQuery(file: TfFile, identities: Identities): void {
  const dataset = file.resource('google_bigquery_dataset', tfLabel(WAREHOUSE.dataset), {
    project: varRef('project_id'),
    dataset_id: checkedId('bigquery', WAREHOUSE.dataset),
    location: varRef('bigquery_location'),
    description: 'NLyzer analytics warehouse, written by the analytics batch writer',
    labels: labelsOf(),
  });

  const fields = eventTableFields(
    EventEnvelope,
    TOPICS[WAREHOUSE.searchEventsTopic].payload,
    WAREHOUSE.searchEventsTopic,
  );
  file.resource('google_bigquery_table', tfLabel(WAREHOUSE.searchEventsTable), {
    project: varRef('project_id'),
    dataset_id: dataset.ref('dataset_id'),
    table_id: checkedId('bigquery', WAREHOUSE.searchEventsTable),
    description: `One row per ${WAREHOUSE.searchEventsTopic} event: envelope metadata and payload fields`,
    labels: labelsOf(),
    deletion_protection: true,
    require_partition_filter: true,
    time_partitioning: { type: 'DAY', field: 'occurred_at' },
    clustering: ['store_id'],
    schema: JSON.stringify(fields),
  });

  const grants: [string, ServiceName[]][] = [
    ['roles/bigquery.dataEditor', WAREHOUSE.writers],
    ['roles/bigquery.dataViewer', WAREHOUSE.readers],
  ];
  for (const [role, services] of grants) {
    for (const service of services) {
      const account = identities.services.get(service);
      if (!account) continue;
      file.resource(
        'google_bigquery_dataset_iam_member',
        `${tfLabel(WAREHOUSE.dataset)}_${tfLabel(service)}`,
        {
          project: varRef('project_id'),
          dataset_id: dataset.ref('dataset_id'),
          role,
          member: member(account),
        },
      );
    }
  }
  // Running queries (and load jobs) is a project-level permission.
  for (const service of new Set([...WAREHOUSE.writers, ...WAREHOUSE.readers])) {
    const account = identities.services.get(service);
    if (!account) continue;
    file.resource('google_project_iam_member', `${tfLabel(service)}_bigquery_job_user`, {
      project: varRef('project_id'),
      role: 'roles/bigquery.jobUser',
      member: member(account),
    });
  }
}
