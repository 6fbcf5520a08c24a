// The GCP ids NLyzer derives from catalog names, and the rules each kind of id must meet.
// The generator refuses to write an id GCP would reject, so a catalog rename fails here and
// not halfway through `terraform apply`.
import { TerraformGenError } from './errors.ts';

export interface IdRule {
  readonly kind: string;
  readonly pattern: RegExp;
  readonly rule: string;
}

export const ID_RULES = {
  pubsub: {
    kind: 'Pub/Sub topic or subscription id',
    // 3–255 chars, starts with a letter, [A-Za-z0-9-_.~+%]; the `goog` prefix is reserved.
    pattern: /^(?!goog)[A-Za-z][A-Za-z0-9\-_.~+%]{2,254}$/,
    rule: '3-255 characters of [A-Za-z0-9-_.~+%], starting with a letter, not with "goog"',
  },
  serviceAccount: {
    kind: 'service account id',
    pattern: /^[a-z][-a-z0-9]{4,28}[a-z0-9]$/,
    rule: '6-30 characters of [a-z0-9-], starting with a letter, not ending with "-"',
  },
  cloudRunService: {
    kind: 'Cloud Run service name',
    pattern: /^[a-z](?:[-a-z0-9]{0,47}[a-z0-9])?$/,
    rule: 'at most 49 characters of [a-z0-9-], starting with a letter, not ending with "-"',
  },
  schedulerJob: {
    kind: 'Cloud Scheduler job id',
    pattern: /^[A-Za-z0-9_-]{1,500}$/,
    rule: '1-500 characters of [A-Za-z0-9_-]',
  },
  secret: {
    kind: 'Secret Manager secret id',
    pattern: /^[A-Za-z0-9_-]{1,255}$/,
    rule: '1-255 characters of [A-Za-z0-9_-]',
  },
  bigquery: {
    kind: 'BigQuery dataset, table or column name',
    pattern: /^[A-Za-z_][A-Za-z0-9_]{0,299}$/,
    rule: 'at most 300 characters of [A-Za-z0-9_], not starting with a digit',
  },
  label: {
    kind: 'GCP label value',
    pattern: /^[a-z0-9_-]{0,63}$/,
    rule: 'at most 63 characters of [a-z0-9_-]',
  },
} as const satisfies Record<string, IdRule>;

export type IdKind = keyof typeof ID_RULES;

export function isValidId(kind: IdKind, id: string): boolean {
  return ID_RULES[kind].pattern.test(id);
}

/** Returns `id` unchanged, or throws `invalid_gcp_name` naming the rule it breaks. */
export function checkedId(kind: IdKind, id: string): string {
  if (!isValidId(kind, id)) {
    const { kind: what, rule } = ID_RULES[kind];
    throw new TerraformGenError('invalid_gcp_name', `"${id}" is not a valid ${what}: ${rule}`);
  }
  return id;
}

/** `<service>.<topic>`, the convention the bus uses too (e.g. `billing.store.created`). */
export function subscriptionId(service: string, topic: string): string {
  return checkedId('pubsub', `${service}.${topic}`);
}

/** The dead-letter topic (and its pull subscription) of one subscriber service. */
export function deadLetterId(service: string): string {
  return checkedId('pubsub', `${service}.dead-letter`);
}

export function serviceAccountId(name: string): string {
  return checkedId('serviceAccount', `nlyzer-${name}`);
}

/** Secret ids are the env var names in kebab case: `STRIPE_SECRET_KEY` → `stripe-secret-key`. */
export function secretId(envVar: string): string {
  return checkedId('secret', envVar.toLowerCase().replaceAll('_', '-'));
}
