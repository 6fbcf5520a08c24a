import { ConfigError, internalAuthSecret, loadConfig } from '@nlyzer/service-kit';
import { describe, expect, it } from 'vitest';
import { gatewayConfigSchema, widgetTokenSecret } from './config.ts';

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
    const production = { NODE_ENV: 'production', INTERNAL_AUTH_SECRET: 'i'.repeat(40) };
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
});
