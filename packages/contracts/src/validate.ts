// Validators compiled once, on first use, so importing the contracts stays cheap for
// processes that never validate.
import type { TSchema } from 'typebox';
import { Compile, type Validator } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';
import { type Envelope, EventEnvelope } from './envelope.ts';
import { isTopicName, TOPICS, type TopicName, type TopicPayload } from './topics.ts';

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: string[] };

const compiled = new Map<TSchema, Validator>();

function validatorFor(schema: TSchema): Validator {
  let validator = compiled.get(schema);
  if (!validator) {
    validator = Compile(schema) as Validator;
    compiled.set(schema, validator);
  }
  return validator;
}

/**
 * One line per problem, `<json pointer>: <message>`. TypeBox reports every failed branch of
 * a union plus the union itself; the branches are folded into the union's line so a nullable
 * uuid reads "must be uuid or must be null" instead of three lines.
 */
function describe(errors: TLocalizedValidationError[], prefix: string): string[] {
  const unions = errors.filter((error) => error.keyword === 'anyOf');
  const lines: string[] = [];
  for (const error of errors) {
    const path = prefix + error.instancePath || '/';
    const inUnion = unions.some((u) => u !== error && error.schemaPath.startsWith(`${u.schemaPath}/anyOf/`));
    if (inUnion) continue;
    switch (error.keyword) {
      case 'anyOf': {
        const branches = errors
          .filter(
            (e) =>
              e.schemaPath.startsWith(`${error.schemaPath}/anyOf/`) && e.instancePath === error.instancePath,
          )
          .map((e) => messageOf(e));
        lines.push(`${path}: ${branches.length > 0 ? [...new Set(branches)].join(' or ') : error.message}`);
        break;
      }
      case 'required':
        for (const name of (error.params as { requiredProperties: string[] }).requiredProperties) {
          lines.push(`${prefix}${error.instancePath}/${name}: is required`);
        }
        break;
      case 'additionalProperties':
        for (const name of (error.params as { additionalProperties: string[] }).additionalProperties) {
          lines.push(`${prefix}${error.instancePath}/${name}: is not allowed`);
        }
        break;
      case 'boolean':
        // `additionalProperties: false` also reports each extra property as a failed `false` schema.
        if (!error.schemaPath.endsWith('/additionalProperties')) lines.push(`${path}: ${error.message}`);
        break;
      default:
        lines.push(`${path}: ${messageOf(error)}`);
    }
  }
  return [...new Set(lines)];
}

function messageOf(error: TLocalizedValidationError): string {
  switch (error.keyword) {
    case 'format':
      return `must be ${(error.params as { format: string }).format}`;
    case 'enum':
      return `must be one of ${(error.params as { allowedValues: unknown[] }).allowedValues.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return `must be ${JSON.stringify((error.params as { allowedValue: unknown }).allowedValue)}`;
    default:
      return error.message;
  }
}

function check<T>(schema: TSchema, value: unknown, prefix: string): ValidationResult<T> {
  const validator = validatorFor(schema);
  if (validator.Check(value)) return { ok: true, value: value as T };
  return { ok: false, errors: describe(validator.Errors(value), prefix) };
}

export function validatePayload<T extends TopicName>(
  topic: T,
  payload: unknown,
): ValidationResult<TopicPayload<T>> {
  if (!isTopicName(topic))
    return { ok: false, errors: [`/event_type: unknown topic ${JSON.stringify(topic)}`] };
  return check(TOPICS[topic].payload, payload, '');
}

/**
 * Checks the envelope and its payload against the topic's schema: the topic must be in the
 * catalog, the version must be the catalog's, and a payload's store_id must be the envelope's.
 * Envelope and payload problems are reported together.
 */
export function validateEnvelope(value: unknown): ValidationResult<Envelope> {
  const envelope = check<EventEnvelope>(EventEnvelope, value, '');
  const errors = envelope.ok ? [] : envelope.errors;
  const { event_type, version, payload, store_id } = (isObject(value) ? value : {}) as Partial<EventEnvelope>;
  if (typeof event_type === 'string' && !isTopicName(event_type)) {
    errors.push(`/event_type: unknown topic ${JSON.stringify(event_type)}`);
  } else if (typeof event_type === 'string' && isObject(payload)) {
    const topic = TOPICS[event_type as TopicName];
    if (typeof version === 'number' && version !== topic.version) {
      errors.push(`/version: topic ${event_type} is at version ${topic.version}, got ${version}`);
    }
    const checkedPayload = check(topic.payload, payload, '/payload');
    if (!checkedPayload.ok) errors.push(...checkedPayload.errors);
    if (store_id !== undefined && 'store_id' in payload && payload.store_id !== store_id) {
      errors.push('/store_id: must equal /payload/store_id');
    }
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: value as Envelope };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
