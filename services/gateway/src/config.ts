import { createHash } from 'node:crypto';
import path from 'node:path';
import { withBaseConfig } from '@nlyzer/service-kit';
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
  }),
);

export type GatewayConfig = Static<typeof gatewayConfigSchema>;

/**
 * The widget token key. Outside production it may be unset: it is then derived from the
 * install's database location, so every process of one dev install (gateway, search)
 * agrees on it without anyone generating a secret, while two installs never share one.
 */
export function widgetTokenSecret(config: GatewayConfig): string {
  if (config.WIDGET_TOKEN_SECRET) return config.WIDGET_TOKEN_SECRET;
  if (config.NODE_ENV === 'production') throw new TypeError('WIDGET_TOKEN_SECRET is required in production');
  const install = config.DATABASE_URL ?? path.resolve(config.NLYZER_DATA_DIR);
  return createHash('sha256').update(`nlyzer-dev-widget-token:${install}`).digest('base64url');
}
