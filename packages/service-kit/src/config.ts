import { createHash } from 'node:crypto';
import path from 'node:path';
import Type, { type Static, type TObject, type TProperties, type TSchema } from 'typebox';
import { Value } from 'typebox/value';

/**
 * Extra schema options an environment variable may carry, beside `description` and
 * `default`: they drive error messages and the generated config table.
 */
export interface EnvVarOptions {
  /** What a valid value looks like, in words ("a postgres:// URL"). Derived from the schema when absent. */
  expected?: string;
  /** Never echo the value (URLs with passwords, API keys). */
  secret?: boolean;
  /** Required only when other variables have these values, e.g. `{ BUS_DRIVER: 'pubsub' }`. */
  requiredWhen?: Record<string, string>;
}

type EnvVarSchema = TSchema & EnvVarOptions & { description?: string } & Record<string, unknown>;
export type Env = Record<string, string | undefined>;

export interface ConfigIssue {
  variable: string;
  message: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((i) => `  ${i.variable}: ${i.message}`).join('\n')}`);
    this.issues = issues;
  }
}

const POSTGRES_URL = {
  pattern: '^postgres(ql)?://',
  expected: 'a postgres:// URL',
  secret: true,
} as const;

/** The variables every service reads. A service adds its own with `withBaseConfig`. */
export const baseConfigSchema = Type.Object({
  NODE_ENV: Type.Enum(['development', 'test', 'production'], {
    default: 'development',
    description: 'Runtime mode',
  }),
  HOST: Type.String({ minLength: 1, default: '0.0.0.0', description: 'Interface the HTTP server binds to' }),
  PORT: Type.Integer({ minimum: 1, maximum: 65535, default: 8080, description: 'HTTP port' }),
  TRUST_PROXY: Type.Boolean({
    default: false,
    description: 'Take the client IP from X-Forwarded-For (true behind Cloud Run or a load balancer)',
  }),
  LOG_LEVEL: Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'Minimum log level written to stdout',
  }),
  DATABASE_URL: Type.Optional(
    Type.String({ ...POSTGRES_URL, description: 'Postgres connection for queries; unset → embedded PGlite' }),
  ),
  MIGRATION_DATABASE_URL: Type.Optional(
    Type.String({ ...POSTGRES_URL, description: 'Owner connection for migrations; unset → DATABASE_URL' }),
  ),
  NLYZER_DATA_DIR: Type.String({
    minLength: 1,
    default: '.nlyzer/data',
    description: 'PGlite data directory when DATABASE_URL is unset (memory:// for in-memory)',
  }),
  BUS_DRIVER: Type.Enum(['memory', 'pubsub'], {
    default: 'memory',
    description: 'Event bus: in-process or Google Cloud Pub/Sub',
  }),
  GOOGLE_CLOUD_PROJECT: Type.Optional(
    Type.String({
      minLength: 1,
      requiredWhen: { BUS_DRIVER: 'pubsub' },
      description: 'GCP project for Pub/Sub and log trace links',
    }),
  ),
  PUBSUB_EMULATOR_HOST: Type.Optional(
    Type.String({
      pattern: '^[A-Za-z0-9.-]+:\\d+$',
      expected: 'host:port',
      description: 'Pub/Sub emulator address; unset → real Pub/Sub',
    }),
  ),
  BODY_LIMIT_BYTES: Type.Integer({
    minimum: 1,
    default: 1_048_576,
    description: 'Largest request body accepted (routes may lower or raise it)',
  }),
  SHUTDOWN_TIMEOUT_MS: Type.Integer({
    minimum: 0,
    default: 9_000,
    description: 'Graceful shutdown budget after SIGTERM (Cloud Run kills at 10 s)',
  }),
  INTERNAL_AUTH_SECRET: Type.Optional(
    Type.String({
      minLength: 32,
      secret: true,
      requiredWhen: { NODE_ENV: 'production' },
      expected: 'at least 32 characters',
      description:
        'HMAC key of the principal assertions the gateway forwards to services; unset outside production → derived from the install',
    }),
  ),
});

export type BaseConfig = Static<typeof baseConfigSchema>;

/** A service's full env schema: the shared variables plus its own (its own win on a name clash). */
export function withBaseConfig<P extends TProperties>(
  own: TObject<P>,
): TObject<(typeof baseConfigSchema)['properties'] & P> {
  return Type.Object({ ...baseConfigSchema.properties, ...own.properties });
}

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off']);

/** Env values are text; turn them into what the schema asks for, or leave them for the check to reject. */
function coerce(raw: string, schema: EnvVarSchema): unknown {
  const text = raw.trim();
  switch (schema.type) {
    case 'integer':
      return /^[+-]?\d+$/.test(text) ? Number(text) : raw;
    case 'number':
      return Number.isFinite(Number(text)) ? Number(text) : raw;
    case 'boolean': {
      const lower = text.toLowerCase();
      return TRUE.has(lower) ? true : FALSE.has(lower) ? false : raw;
    }
    default:
      return raw;
  }
}

function range(schema: EnvVarSchema): string {
  const { minimum: min, maximum: max } = schema as { minimum?: number; maximum?: number };
  if (min !== undefined && max !== undefined) return ` between ${min} and ${max}`;
  if (min !== undefined) return ` of at least ${min}`;
  if (max !== undefined) return ` of at most ${max}`;
  return '';
}

function literals(schema: EnvVarSchema): unknown[] | undefined {
  if (Array.isArray(schema.enum)) return schema.enum;
  const anyOf = schema.anyOf as { const?: unknown }[] | undefined;
  if (Array.isArray(anyOf) && anyOf.every((member) => 'const' in member))
    return anyOf.map((member) => member.const);
  return undefined;
}

/** What a valid value looks like, in words: the tail of "must be …" and the table's type column. */
export function describeExpected(schema: TSchema): string {
  const s = schema as EnvVarSchema;
  if (typeof s.expected === 'string') return s.expected;
  const values = literals(s);
  if (values) return `one of ${values.join(', ')}`;
  switch (s.type) {
    case 'integer':
      return `an integer${range(s)}`;
    case 'number':
      return `a number${range(s)}`;
    case 'boolean':
      return 'true or false';
    case 'string':
      if (typeof s.format === 'string') return `a valid ${s.format}`;
      if (typeof s.pattern === 'string') return `a string matching ${s.pattern}`;
      return s.minLength ? 'a non-empty string' : 'a string';
    default:
      return 'a valid value';
  }
}

function conditionText(requiredWhen: Record<string, string>): string {
  return Object.entries(requiredWhen)
    .map(([name, value]) => `${name} is ${value}`)
    .join(' and ');
}

function shown(raw: string): string {
  return raw.length > 60 ? `${raw.slice(0, 57)}...` : raw;
}

/**
 * Read the variables of `schema` from `env`: text converted to numbers, booleans and
 * enums, defaults applied, an empty value treated as unset. Throws one ConfigError that
 * names every bad variable, so an operator fixes them all in one go.
 */
export function loadConfig<S extends TObject>(schema: S, env: Env = process.env): Static<S> {
  const issues: ConfigIssue[] = [];
  const config: Record<string, unknown> = {};
  const required = new Set<string>(schema.required ?? []);
  const properties = Object.entries(schema.properties) as [string, EnvVarSchema][];

  for (const [name, property] of properties) {
    const raw = env[name];
    if (raw === undefined || raw.trim() === '') {
      if ('default' in property) config[name] = property.default;
      else if (required.has(name)) {
        issues.push({
          variable: name,
          message: `is required (${property.description ?? describeExpected(property)})`,
        });
      }
      continue;
    }
    const value = coerce(raw, property);
    if (Value.Check(property, value)) {
      config[name] = value;
    } else {
      const got = property.secret ? '' : ` (got '${shown(raw)}')`;
      issues.push({ variable: name, message: `must be ${describeExpected(property)}${got}` });
    }
  }

  for (const [name, property] of properties) {
    const when = property.requiredWhen;
    if (!when || config[name] !== undefined || issues.some((i) => i.variable === name)) continue;
    if (Object.entries(when).every(([other, value]) => String(config[other]) === value)) {
      issues.push({ variable: name, message: `is required when ${conditionText(when)}` });
    }
  }

  if (issues.length > 0) throw new ConfigError(issues);
  return config as Static<S>;
}

export interface ConfigRow {
  name: string;
  /** What a valid value looks like ("an integer between 1 and 65535", "one of memory, pubsub"). */
  type: string;
  /** The default, as it would be written in the environment; undefined when there is none. */
  default: string | undefined;
  required: boolean;
  /** "BUS_DRIVER is pubsub" for conditionally required variables. */
  requiredWhen: string | undefined;
  secret: boolean;
  description: string;
}

/** One row per variable, so docs and `nlyzer config` are generated from the schema, never copied. */
export function configTable(schema: TObject): ConfigRow[] {
  const required = new Set<string>(schema.required ?? []);
  return (Object.entries(schema.properties) as [string, EnvVarSchema][]).map(([name, property]) => ({
    name,
    type: describeExpected(property),
    default: 'default' in property ? String(property.default) : undefined,
    required: required.has(name) && !('default' in property),
    requiredWhen: property.requiredWhen ? conditionText(property.requiredWhen) : undefined,
    secret: property.secret === true,
    description: property.description ?? '',
  }));
}

/** The config table as GitHub markdown. */
export function configTableMarkdown(schema: TObject): string {
  const cell = (text: string) => text.replaceAll('|', '\\|');
  const lines = ['| Variable | Value | Default | Description |', '|---|---|---|---|'];
  for (const row of configTable(schema)) {
    const fallback = row.required
      ? '**required**'
      : row.requiredWhen
        ? `required when ${row.requiredWhen}`
        : '—';
    const value = row.default === undefined ? fallback : `\`${row.default}\``;
    const description = row.secret ? `${row.description} (secret)` : row.description;
    lines.push(`| \`${row.name}\` | ${cell(row.type)} | ${cell(value)} | ${cell(description)} |`);
  }
  return lines.join('\n');
}

/** The settings that tell one install (one database) from another. */
export type InstallConfig = Pick<BaseConfig, 'NODE_ENV' | 'DATABASE_URL' | 'NLYZER_DATA_DIR'>;

/**
 * A secret variable's value, or outside production a value derived from the install's
 * database location: every process of one dev install (each service, each CLI command)
 * agrees on it without anyone generating a secret, while two installs never share one.
 * `purpose` keeps the derived secrets of different variables apart.
 */
export function secretOrInstallDefault(
  config: InstallConfig,
  secret: { variable: string; value: string | undefined; purpose: string },
): string {
  if (secret.value) return secret.value;
  if (config.NODE_ENV === 'production') throw new TypeError(`${secret.variable} is required in production`);
  const install = config.DATABASE_URL ?? path.resolve(config.NLYZER_DATA_DIR);
  return createHash('sha256').update(`nlyzer-dev-${secret.purpose}:${install}`).digest('base64url');
}
