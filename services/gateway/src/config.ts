import { type InstallConfig, secretOrInstallDefault, withBaseConfig } from '@nlyzer/service-kit';
import Type, { type Static } from 'typebox';

export const gatewayConfigSchema = withBaseConfig(
  Type.Object({
    SESSION_TTL_HOURS: Type.Integer({
      minimum: 1,
      maximum: 720,
      default: 12,
      description: 'Lifetime of a dashboard session',
    }),
    WIDGET_TOKEN_SECRET: Type.Optional(
      Type.String({
        minLength: 32,
        secret: true,
        requiredWhen: { NODE_ENV: 'production' },
        expected: 'at least 32 characters',
        description: 'HMAC key of widget tokens; unset outside production → derived from the install',
      }),
    ),
    AUTH_RATE_LIMIT_PER_MINUTE: Type.Integer({
      minimum: 1,
      default: 20,
      description: 'Signup, login and invite-acceptance attempts per client IP per minute',
    }),
    WIDGET_TOKEN_RATE_LIMIT_PER_MINUTE: Type.Integer({
      minimum: 1,
      default: 120,
      description: 'Widget token requests per client IP per minute',
    }),
    SEARCH_SERVICE_URL: Type.String({
      format: 'uri',
      pattern: '^https?://',
      expected: 'an http:// or https:// URL',
      default: 'http://127.0.0.1:8081',
      description:
        'Base URL of the search service, where /v1/search, /v1/catalog and /v1/search-settings are forwarded',
    }),
    SEARCH_SERVICE_TIMEOUT_MS: Type.Integer({
      minimum: 100,
      maximum: 300_000,
      default: 30_000,
      description: 'How long the gateway waits for the search service before answering 503',
    }),
  }),
);

export type GatewayConfig = Static<typeof gatewayConfigSchema>;

/**
 * The widget token key. Outside production it may be unset: it is then derived from the
 * install, so the gateway and search of one dev install agree on it (search passes its own config).
 */
export function widgetTokenSecret(
  config: InstallConfig & Pick<GatewayConfig, 'WIDGET_TOKEN_SECRET'>,
): string {
  return secretOrInstallDefault(config, {
    variable: 'WIDGET_TOKEN_SECRET',
    value: config.WIDGET_TOKEN_SECRET,
    purpose: 'widget-token',
  });
}
