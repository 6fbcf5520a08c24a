import type { ServiceName } from '@nlyzer/contracts';
import { type InstallConfig, secretOrInstallDefault, withBaseConfig } from '@nlyzer/service-kit';
import Type, { type Static } from 'typebox';
import { createWidgetKeySealer, type WidgetKeySealer } from './features/widget-keys/widget-key-sealing.ts';

const HttpUrl = (options: { default: string; description: string }) =>
  Type.String({ format: 'uri', pattern: '^https?://', expected: 'an http:// or https:// URL', ...options });

const UpstreamTimeout = (service: ServiceName) =>
  Type.Integer({
    minimum: 100,
    maximum: 300_000,
    default: 30_000,
    description: `How long the gateway waits for the ${service} service before answering 503`,
  });

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
    WIDGET_KEY_SEALING_SECRET: Type.Optional(
      Type.String({
        minLength: 32,
        secret: true,
        requiredWhen: { NODE_ENV: 'production' },
        expected: 'at least 32 characters',
        description:
          'Seals widget keys at rest (AES-256-GCM) so their snippet can be shown again; unset outside production → derived from the install',
      }),
    ),
    PUBLIC_URL: HttpUrl({
      default: 'http://localhost:8080',
      description: "The gateway's public URL: widget snippets load <PUBLIC_URL>/widget.js",
    }),
    SEARCH_SERVICE_URL: HttpUrl({
      default: 'http://127.0.0.1:8081',
      description:
        'Base URL of the search service, where /v1/search, /v1/catalog and /v1/search-settings are forwarded',
    }),
    SEARCH_SERVICE_TIMEOUT_MS: UpstreamTimeout('search'),
    SYNC_WORKER_URL: HttpUrl({
      default: 'http://127.0.0.1:8082',
      description:
        'Base URL of the sync worker, where /v1/connection, /v1/sync, /v1/quality-report, /v1/onboarding and the platform webhooks are forwarded',
    }),
    SYNC_WORKER_TIMEOUT_MS: UpstreamTimeout('sync-worker'),
    SERVICE_AUTH: Type.Enum(['none', 'google-id-token'], {
      default: 'none',
      description:
        'How the gateway proves itself to search and the sync worker. On Cloud Run, where they require authentication, google-id-token: a metadata-server ID token per service, sent as X-Serverless-Authorization',
    }),
    GCE_METADATA_HOST: Type.String({
      pattern: '^[A-Za-z0-9.-]+(:[0-9]{1,5})?$',
      expected: 'a host or host:port',
      default: 'metadata.google.internal',
      description: 'The GCE metadata server that SERVICE_AUTH=google-id-token takes ID tokens from',
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

/** Seals widget keys under WIDGET_KEY_SEALING_SECRET, which outside production is derived from the install. */
export function widgetKeySealerFor(
  config: InstallConfig & Pick<GatewayConfig, 'WIDGET_KEY_SEALING_SECRET'>,
): WidgetKeySealer {
  return createWidgetKeySealer(
    secretOrInstallDefault(config, {
      variable: 'WIDGET_KEY_SEALING_SECRET',
      value: config.WIDGET_KEY_SEALING_SECRET,
      purpose: 'widget-key-sealing',
    }),
  );
}
