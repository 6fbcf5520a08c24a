import Type from 'typebox';
import { describe, expect, it } from 'vitest';
import {
  baseConfigSchema,
  ConfigError,
  configTable,
  configTableMarkdown,
  loadConfig,
  withBaseConfig,
} from './config.ts';

function configErrorOf(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults when the environment is empty', () => {
    const config = loadConfig(baseConfigSchema, {});
    expect(config).toEqual({
      NODE_ENV: 'development',
      HOST: '0.0.0.0',
      PORT: 8080,
      TRUST_PROXY: false,
      LOG_LEVEL: 'info',
      NLYZER_DATA_DIR: '.nlyzer/data',
      BUS_DRIVER: 'memory',
      BODY_LIMIT_BYTES: 1_048_576,
      SHUTDOWN_TIMEOUT_MS: 9_000,
    });
  });

  it('converts text to integers, booleans and enums', () => {
    const config = loadConfig(baseConfigSchema, {
      PORT: '3000',
      TRUST_PROXY: 'true',
      BUS_DRIVER: 'pubsub',
      GOOGLE_CLOUD_PROJECT: 'nlyzer-prod',
      DATABASE_URL: 'postgresql://app:pw@db:5432/nlyzer',
      NOT_IN_SCHEMA: 'ignored',
    });
    expect(config.PORT).toBe(3000);
    expect(config.TRUST_PROXY).toBe(true);
    expect(config.BUS_DRIVER).toBe('pubsub');
    expect(config.DATABASE_URL).toBe('postgresql://app:pw@db:5432/nlyzer');
    expect(config).not.toHaveProperty('NOT_IN_SCHEMA');
  });

  it('treats an empty value as unset', () => {
    expect(loadConfig(baseConfigSchema, { PORT: '', DATABASE_URL: '  ' })).toMatchObject({ PORT: 8080 });
    expect(loadConfig(baseConfigSchema, { DATABASE_URL: '' })).not.toHaveProperty('DATABASE_URL');
  });

  it('names every bad variable and why, without echoing secrets', () => {
    const error = configErrorOf(() =>
      loadConfig(baseConfigSchema, {
        PORT: 'abc',
        DATABASE_URL: 'mysql://root:hunter2@db',
        LOG_LEVEL: 'loud',
      }),
    );
    expect(error.code).toBe('invalid_config');
    expect(error.issues).toEqual([
      { variable: 'PORT', message: "must be an integer between 1 and 65535 (got 'abc')" },
      {
        variable: 'LOG_LEVEL',
        message: "must be one of fatal, error, warn, info, debug, trace, silent (got 'loud')",
      },
      { variable: 'DATABASE_URL', message: 'must be a postgres:// URL' },
    ]);
    expect(error.message).toContain("PORT: must be an integer between 1 and 65535 (got 'abc')");
    expect(error.message).toContain('DATABASE_URL: must be a postgres:// URL');
    expect(error.message).not.toContain('hunter2');
  });

  it('rejects fractions and out-of-range integers rather than rounding them', () => {
    const error = configErrorOf(() => loadConfig(baseConfigSchema, { PORT: '80.5', BODY_LIMIT_BYTES: '0' }));
    expect(error.issues.map((issue) => issue.variable)).toEqual(['PORT', 'BODY_LIMIT_BYTES']);
    expect(error.issues[1]!.message).toBe("must be an integer of at least 1 (got '0')");
  });

  it('requires a variable only when its condition holds', () => {
    const error = configErrorOf(() => loadConfig(baseConfigSchema, { BUS_DRIVER: 'pubsub' }));
    expect(error.issues).toEqual([
      { variable: 'GOOGLE_CLOUD_PROJECT', message: 'is required when BUS_DRIVER is pubsub' },
    ]);
    expect(loadConfig(baseConfigSchema, { BUS_DRIVER: 'memory' })).not.toHaveProperty('GOOGLE_CLOUD_PROJECT');
  });

  it("reads a service's own variables next to the shared ones", () => {
    const schema = withBaseConfig(
      Type.Object({
        STRIPE_SECRET_KEY: Type.String({ minLength: 1, secret: true, description: 'Stripe API key' }),
        SEARCH_CACHE_TTL_S: Type.Number({ minimum: 0, default: 30, description: 'Result cache TTL' }),
      }),
    );
    const error = configErrorOf(() => loadConfig(schema, { SEARCH_CACHE_TTL_S: 'soon', PORT: '99999' }));
    expect(error.issues).toEqual([
      { variable: 'PORT', message: "must be an integer between 1 and 65535 (got '99999')" },
      { variable: 'STRIPE_SECRET_KEY', message: 'is required (Stripe API key)' },
      { variable: 'SEARCH_CACHE_TTL_S', message: "must be a number of at least 0 (got 'soon')" },
    ]);
    const config = loadConfig(schema, { STRIPE_SECRET_KEY: 'sk_test_1', SEARCH_CACHE_TTL_S: '2.5' });
    expect(config.SEARCH_CACHE_TTL_S).toBe(2.5);
    expect(config.PORT).toBe(8080);
  });
});

describe('configTable', () => {
  it('describes every variable from the schema itself', () => {
    const rows = configTable(baseConfigSchema);
    expect(rows.map((row) => row.name)).toEqual(Object.keys(baseConfigSchema.properties));
    for (const row of rows) expect(row.description, row.name).not.toBe('');
    expect(rows.find((row) => row.name === 'PORT')).toEqual({
      name: 'PORT',
      type: 'an integer between 1 and 65535',
      default: '8080',
      required: false,
      requiredWhen: undefined,
      secret: false,
      description: 'HTTP port',
    });
    expect(rows.find((row) => row.name === 'GOOGLE_CLOUD_PROJECT')?.requiredWhen).toBe(
      'BUS_DRIVER is pubsub',
    );
    expect(rows.find((row) => row.name === 'DATABASE_URL')).toMatchObject({
      secret: true,
      default: undefined,
    });
  });

  it('renders markdown with one line per variable', () => {
    const markdown = configTableMarkdown(baseConfigSchema);
    expect(markdown.split('\n')).toHaveLength(2 + Object.keys(baseConfigSchema.properties).length);
    expect(markdown).toContain('| `BUS_DRIVER` | one of memory, pubsub | `memory` |');
  });
});
