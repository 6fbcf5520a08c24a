import { describe, expect, it } from 'vitest';
import { TerraformGenError } from './errors.ts';
import { checkedId, type IdKind, isValidId, subscriptionId } from './gcp-names.ts';
import { readTfJsonFiles, resourcesOfType } from './read-terraform.ts';

const files = readTfJsonFiles();
const namesOf = (type: string, key = 'name') =>
  Object.values(resourcesOfType(files, type)).map((body) => body[key] as string);

describe('Pub/Sub ids', () => {
  it('accept the catalog convention and the edges of the rule', () => {
    for (const id of ['billing.store.created', 'abc', `a${'b'.repeat(254)}`, 'A-_.~+%z']) {
      expect(isValidId('pubsub', id), id).toBe(true);
    }
  });

  it('reject too short, too long, a non-letter start, the goog prefix and other characters', () => {
    for (const id of [
      'ab',
      `a${'b'.repeat(255)}`,
      '1abc',
      '.abc',
      'goog.topic',
      'google-x',
      'a b c',
      'a/b/c',
      'ünï',
    ]) {
      expect(isValidId('pubsub', id), id).toBe(false);
    }
  });

  it('every generated topic and subscription name is one', () => {
    const names = [...namesOf('google_pubsub_topic'), ...namesOf('google_pubsub_subscription')];
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(isValidId('pubsub', name), name).toBe(true);
  });

  it('are refused with a typed error before anything is written', () => {
    expect(() => subscriptionId('goog', 'x')).toThrowError(TerraformGenError);
    try {
      checkedId('pubsub', 'x');
    } catch (error) {
      expect((error as TerraformGenError).code).toBe('invalid_gcp_name');
    }
    expect.assertions(2);
  });
});

describe('the other generated ids', () => {
  const cases: [IdKind, string[]][] = [
    ['serviceAccount', namesOf('google_service_account', 'account_id')],
    ['cloudRunService', namesOf('google_cloud_run_v2_service')],
    ['schedulerJob', namesOf('google_cloud_scheduler_job')],
    ['secret', namesOf('google_secret_manager_secret', 'secret_id')],
    [
      'bigquery',
      [...namesOf('google_bigquery_dataset', 'dataset_id'), ...namesOf('google_bigquery_table', 'table_id')],
    ],
  ];

  it.each(cases)('%s ids are valid', (kind, ids) => {
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(isValidId(kind, id), id).toBe(true);
  });

  it('labels are valid GCP label values', () => {
    for (const doc of files.values()) {
      for (const bodies of Object.values(doc.resource ?? {}) as Record<string, Record<string, unknown>>[]) {
        for (const body of Object.values(bodies)) {
          for (const value of Object.values((body.labels ?? {}) as Record<string, string>)) {
            expect(isValidId('label', value), value).toBe(true);
          }
        }
      }
    }
  });

  it('service account ids reject what IAM rejects', () => {
    for (const id of ['short', `a${'b'.repeat(30)}`, 'Upper-case', 'ends-with-', '1starts']) {
      expect(isValidId('serviceAccount', id), id).toBe(false);
    }
  });
});
