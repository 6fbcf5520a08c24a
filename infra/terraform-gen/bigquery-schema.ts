// BigQuery columns derived from the contracts' JSON Schemas (TypeBox schemas are plain
// JSON Schema), so a payload field added to the catalog becomes a warehouse column on the
// next regeneration instead of a hand-kept table definition drifting behind.
import { TerraformGenError } from './errors.ts';
import { checkedId } from './gcp-names.ts';

export interface BigQueryField {
  name: string;
  type: 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'DATE' | 'JSON' | 'RECORD';
  mode: 'REQUIRED' | 'NULLABLE' | 'REPEATED';
  description?: string;
  fields?: BigQueryField[];
}

interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  items?: JsonSchema;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  patternProperties?: Record<string, JsonSchema>;
  description?: string;
}

type Column = Omit<BigQueryField, 'name' | 'mode'> & { nullable: boolean; repeated: boolean };

function scalarOf(value: unknown, where: string): BigQueryField['type'] {
  switch (typeof value) {
    case 'string':
      return 'STRING';
    case 'boolean':
      return 'BOOL';
    case 'number':
      return Number.isInteger(value) ? 'INT64' : 'FLOAT64';
    default:
      throw new TerraformGenError(
        'unsupported_schema',
        `${where}: cannot map constant ${JSON.stringify(value)}`,
      );
  }
}

function columnOf(schema: JsonSchema, where: string): Column {
  const plain = { nullable: false, repeated: false };
  if (schema.anyOf) {
    const members = schema.anyOf.filter((member) => member.type !== 'null');
    const nullable = members.length < schema.anyOf.length;
    const first = members[0];
    if (members.length === 1 && first) return { ...columnOf(first, where), nullable };
    // Unions of differently typed members (filter values) have no single column type.
    const literals = members.map((member) => member.const);
    if (literals.every((value) => value !== undefined)) {
      const types = new Set(literals.map((value) => scalarOf(value, where)));
      const [only] = types;
      if (types.size === 1 && only) return { type: only, nullable, repeated: false };
    }
    return { type: 'JSON', nullable, repeated: false };
  }
  if (schema.const !== undefined) return { type: scalarOf(schema.const, where), ...plain };
  if (schema.enum) {
    const types = new Set(schema.enum.map((value) => scalarOf(value, where)));
    const [only] = types;
    return { type: types.size === 1 && only ? only : 'JSON', ...plain };
  }
  switch (schema.type) {
    case 'string':
      if (schema.format === 'date-time') return { type: 'TIMESTAMP', ...plain };
      if (schema.format === 'date') return { type: 'DATE', ...plain };
      return { type: 'STRING', ...plain };
    case 'integer':
      return { type: 'INT64', ...plain };
    case 'number':
      return { type: 'FLOAT64', ...plain };
    case 'boolean':
      return { type: 'BOOL', ...plain };
    case 'array': {
      if (!schema.items) throw new TerraformGenError('unsupported_schema', `${where}: array without items`);
      const item = columnOf(schema.items, `${where}[]`);
      if (item.repeated) {
        throw new TerraformGenError('unsupported_schema', `${where}: BigQuery has no arrays of arrays`);
      }
      return { ...item, nullable: false, repeated: true };
    }
    case 'object':
      if (schema.properties && !schema.patternProperties) {
        return { type: 'RECORD', fields: fieldsOf(schema, where), ...plain };
      }
      // Records keyed by arbitrary strings (filters, template data) stay JSON.
      return { type: 'JSON', ...plain };
    case undefined:
      // `Type.Unknown()`: any JSON value, null included.
      return { type: 'JSON', nullable: true, repeated: false };
    default:
      throw new TerraformGenError(
        'unsupported_schema',
        `${where}: cannot map JSON Schema type ${schema.type}`,
      );
  }
}

/** The columns of an object schema, in property order. */
export function fieldsOf(objectSchema: object, where = 'schema'): BigQueryField[] {
  const schema = objectSchema as JsonSchema;
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, property]) => {
    const { nullable, repeated, ...column } = columnOf(property, `${where}.${name}`);
    const mode = repeated ? 'REPEATED' : nullable || !required.has(name) ? 'NULLABLE' : 'REQUIRED';
    return {
      name: checkedId('bigquery', name),
      ...column,
      mode,
      ...(property.description ? { description: property.description } : {}),
    };
  });
}

/**
 * One row per event: the envelope's metadata, then the payload's fields flattened beside
 * it. A field present in both (store_id) keeps the envelope's column.
 */
export function eventTableFields(
  envelopeSchema: object,
  payloadSchema: object,
  topic: string,
): BigQueryField[] {
  const envelope = fieldsOf(envelopeSchema, 'envelope').filter(
    (field) => field.name !== 'payload' && field.name !== 'event_type',
  );
  const taken = new Set(envelope.map((field) => field.name));
  const payload = fieldsOf(payloadSchema, topic).filter((field) => !taken.has(field.name));
  return [...envelope, ...payload];
}
