import { secretOrInstallDefault, withBaseConfig } from '@nlyzer/service-kit';
import Type, { type Static } from 'typebox';

export const syncWorkerConfigSchema = withBaseConfig(
  Type.Object({
    PUBLIC_URL: Type.String({
      format: 'uri',
      pattern: '^https?://',
      default: 'http://localhost:8080',
      description: "The gateway's public URL: Shopify's OAuth redirect and the webhook callbacks point there",
    }),
    DASHBOARD_URL: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https?://',
        description:
          'Where the merchant lands after installing the Shopify app; unset → <PUBLIC_URL>/dashboard',
      }),
    ),
    CONNECTION_SEALING_KEY: Type.Optional(
      Type.String({
        minLength: 32,
        secret: true,
        description: 'Seals platform credentials at rest (AES-256-GCM); required in production',
      }),
    ),
    SHOPIFY_API_KEY: Type.Optional(
      Type.String({ minLength: 1, description: "The Shopify app's client id (OAuth install)" }),
    ),
    SHOPIFY_API_SECRET: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        description: "The Shopify app's client secret: OAuth callback and webhook HMACs",
      }),
    ),
    SHOPIFY_SCOPES: Type.String({
      minLength: 1,
      default: 'read_products',
      description: 'Comma-separated access scopes the app asks for',
    }),
    SHOPIFY_ADMIN_ORIGIN: Type.Optional(
      Type.String({
        format: 'uri',
        pattern: '^https?://',
        description:
          'Serve every shop from this origin instead of https://<shop> (local Shopify-shaped servers only)',
      }),
    ),
    PLATFORM_FETCH_ALLOW_PRIVATE: Type.Boolean({
      default: false,
      description:
        'Let platform, feed and image URLs reach loopback or private addresses (development and benchmarks only)',
    }),
    SYNC_CONCURRENCY: Type.Integer({
      minimum: 1,
      maximum: 32,
      default: 2,
      description: 'Sync runs processed at once by one instance',
    }),
    IMAGE_FETCH_CONCURRENCY: Type.Integer({
      minimum: 1,
      maximum: 256,
      default: 16,
      description: 'Catalog images downloaded at once by one instance',
    }),
  }),
);

export type SyncWorkerConfig = Static<typeof syncWorkerConfigSchema>;

/** Outside production an install gets a stable derived key, so `npm start` needs none. */
export function connectionSealingKey(config: SyncWorkerConfig): string {
  return secretOrInstallDefault(config, {
    variable: 'CONNECTION_SEALING_KEY',
    value: config.CONNECTION_SEALING_KEY,
    purpose: 'connection-sealing',
  });
}

export function dashboardUrl(config: SyncWorkerConfig): string {
  return config.DASHBOARD_URL ?? new URL('/dashboard', config.PUBLIC_URL).toString();
}
