import { ConfigError, internalAuthSecret, loadConfig } from '@nlyzer/service-kit';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema, widgetKeySealerFor, widgetTokenSecret } from './config.ts';

const load = (env: Record<string, string>) => loadConfig(gatewayConfigSchema, env);

describe('gateway config', () => {
  it('defaults sessions to 12 hours', () => {
    expect(load({}).SESSION_TTL_HOURS).toBe(12);
  });

  it('requires a widget token secret in production', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => load({ NODE_ENV: 'production', WIDGET_TOKEN_SECRET: 'too-short' })).toThrow(
      /WIDGET_TOKEN_SECRET/,
    );
    const secret = 's'.repeat(48);
    const production = {
      NODE_ENV: 'production',
      INTERNAL_AUTH_SECRET: 'i'.repeat(40),
      WIDGET_KEY_SEALING_SECRET: 'k'.repeat(40),
    };
    expect(widgetTokenSecret(load({ ...production, WIDGET_TOKEN_SECRET: secret }))).toBe(secret);
  });

  it('derives one dev secret per install, the same in every process of it', () => {
    const a = widgetTokenSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' }));
    expect(widgetTokenSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' }))).toBe(a);
    expect(widgetTokenSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-b' }))).not.toBe(a);
    expect(widgetTokenSecret(load({ DATABASE_URL: 'postgres://localhost/nlyzer' }))).not.toBe(a);
    expect(a.length).toBeGreaterThanOrEqual(32);
    // One install, two keys: a widget token must never pass as a principal assertion's key.
    expect(internalAuthSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' }))).not.toBe(a);
  });

  it('forwards to search on the local port by default, and takes only http(s) URLs', () => {
    expect(load({}).SEARCH_SERVICE_URL).toBe('http://127.0.0.1:8081');
    expect(load({ SEARCH_SERVICE_URL: 'https://search-abc-uc.a.run.app' }).SEARCH_SERVICE_URL).toBe(
      'https://search-abc-uc.a.run.app',
    );
    expect(() => load({ SEARCH_SERVICE_URL: 'search:8081' })).toThrow(/SEARCH_SERVICE_URL/);
    expect(() => load({ SEARCH_SERVICE_URL: 'ftp://search' })).toThrow(/SEARCH_SERVICE_URL/);
  });

  it('forwards to the sync worker on the local port by default, and takes only http(s) URLs', () => {
    const defaults = load({});
    expect(defaults.SYNC_WORKER_URL).toBe('http://127.0.0.1:8082');
    expect(defaults.SYNC_WORKER_TIMEOUT_MS).toBe(30_000);
    expect(load({ SYNC_WORKER_URL: 'https://sync-worker-abc-uc.a.run.app' }).SYNC_WORKER_URL).toBe(
      'https://sync-worker-abc-uc.a.run.app',
    );
    expect(() => load({ SYNC_WORKER_URL: 'sync-worker:8082' })).toThrow(/SYNC_WORKER_URL/);
    expect(() => load({ SYNC_WORKER_TIMEOUT_MS: '50' })).toThrow(/SYNC_WORKER_TIMEOUT_MS/);
  });

  it('sends services no identity unless told to, and takes ID tokens from the metadata host named', () => {
    const defaults = load({});
    expect(defaults.SERVICE_AUTH).toBe('none');
    expect(defaults.GCE_METADATA_HOST).toBe('metadata.google.internal');
    const cloudRun = load({ SERVICE_AUTH: 'google-id-token', GCE_METADATA_HOST: '169.254.169.254:80' });
    expect(cloudRun).toMatchObject({
      SERVICE_AUTH: 'google-id-token',
      GCE_METADATA_HOST: '169.254.169.254:80',
    });
    expect(() => load({ SERVICE_AUTH: 'iam' })).toThrow(/SERVICE_AUTH/);
    expect(() => load({ GCE_METADATA_HOST: 'http://metadata.google.internal' })).toThrow(/GCE_METADATA_HOST/);
  });

  it('serves the widget script from the public URL, localhost by default', () => {
    expect(load({}).PUBLIC_URL).toBe('http://localhost:8080');
    expect(() => load({ PUBLIC_URL: 'widgets.example' })).toThrow(/PUBLIC_URL/);
  });

  it('requires a widget key sealing secret in production, and derives one per install elsewhere', () => {
    const production = {
      NODE_ENV: 'production',
      INTERNAL_AUTH_SECRET: 'i'.repeat(40),
      WIDGET_TOKEN_SECRET: 'w'.repeat(40),
    };
    expect(() => load(production)).toThrow(/WIDGET_KEY_SEALING_SECRET/);
    expect(() => load({ ...production, WIDGET_KEY_SEALING_SECRET: 'too-short' })).toThrow(
      /WIDGET_KEY_SEALING_SECRET/,
    );

    const keyId = crypto.randomUUID();
    const sealedByA = widgetKeySealerFor(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' })).seal(keyId, 'nlz_pk_x');
    expect(widgetKeySealerFor(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' })).open(keyId, sealedByA)).toBe(
      'nlz_pk_x',
    );
    expect(() =>
      widgetKeySealerFor(load({ NLYZER_DATA_DIR: '/srv/nlyzer-b' })).open(keyId, sealedByA),
    ).toThrow();

    const configured = load({ ...production, WIDGET_KEY_SEALING_SECRET: 's'.repeat(40) });
    const sealed = widgetKeySealerFor(configured).seal(keyId, 'nlz_pk_y');
    expect(widgetKeySealerFor(configured).open(keyId, sealed)).toBe('nlz_pk_y');
  });
});
