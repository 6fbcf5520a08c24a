import { ConfigError, loadConfig } from '@nlyzer/service-kit';
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
    expect(widgetTokenSecret(load({ NODE_ENV: 'production', WIDGET_TOKEN_SECRET: secret }))).toBe(secret);
  });

  it('derives one dev secret per install, the same in every process of it', () => {
    const a = widgetTokenSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' }));
    expect(widgetTokenSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' }))).toBe(a);
    expect(widgetTokenSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-b' }))).not.toBe(a);
    expect(widgetTokenSecret(load({ DATABASE_URL: 'postgres://localhost/nlyzer' }))).not.toBe(a);
    expect(a.length).toBeGreaterThanOrEqual(32);
  });
});
