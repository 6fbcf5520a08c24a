import type { TierName } from '@nlyzer/contracts';
import { type App, createApp, internalAuthSecret, type ServiceDeps } from '@nlyzer/service-kit';
import { type GatewayConfig, widgetKeySealerFor, widgetTokenSecret } from './config.ts';
import { createApiKeysFeature } from './features/api-keys/api-keys-feature.ts';
import { createAuditLogFeature } from './features/audit-log/audit-log-feature.ts';
import { createAuthentication } from './features/auth/authenticate.ts';
import { createSessionFeature } from './features/auth/session-feature.ts';
import type { SessionSettings } from './features/auth/sessions.ts';
import { serviceIdentityFor } from './features/service-routing/service-identity.ts';
import { createServiceRoutingFeature } from './features/service-routing/service-routing-feature.ts';
import { createSignupFeature } from './features/signup/signup-feature.ts';
import { createStoreFeature } from './features/store/store-feature.ts';
import { createTeamFeature } from './features/team/team-feature.ts';
import { createTiersFeature } from './features/tiers/tiers-feature.ts';
import { createWidgetKeysFeature } from './features/widget-keys/widget-keys-feature.ts';
import { createWidgetTokenFeature } from './features/widget-tokens/widget-token-feature.ts';
import { createArgon2Hasher, type PasswordHasher } from './passwords.ts';
import { rejectNulCharacters } from './reject-nul-characters.ts';

/** Parts a test or another runtime may swap; everything else comes from the config. */
export interface GatewayParts {
  passwords?: PasswordHasher;
  storeRequestsPerMinute?: (tier: TierName) => number;
}

export function sessionSettings(config: GatewayConfig): SessionSettings {
  return { ttlHours: config.SESSION_TTL_HOURS, secureCookies: config.NODE_ENV === 'production' };
}

export async function buildGatewayApp(
  deps: ServiceDeps<GatewayConfig>,
  parts: GatewayParts = {},
): Promise<App> {
  const { config, db, bus, outbox, logger } = deps;
  const app = await createApp({ name: 'gateway', config, db, bus, outbox, logger });
  await registerGatewayFeatures(app, deps, parts);
  return app;
}

/** Everything the gateway adds to the kit's app; split out so tests can watch routes being added. */
export async function registerGatewayFeatures(
  app: App,
  deps: Pick<ServiceDeps<GatewayConfig>, 'config' | 'db' | 'outbox'>,
  parts: GatewayParts = {},
): Promise<void> {
  const { config, db, outbox } = deps;
  const passwords = parts.passwords ?? createArgon2Hasher();
  const sessions = sessionSettings(config);
  const perIp = config.AUTH_RATE_LIMIT_PER_MINUTE;

  await app.register(rejectNulCharacters);
  // Registered before the features: its onRoute hook guards every route declared after it.
  await app.register(createAuthentication({ db, storeRequestsPerMinute: parts.storeRequestsPerMinute }));

  await app.register(createTiersFeature());
  await app.register(createSignupFeature({ outbox, passwords, sessions, signupsPerIpPerMinute: perIp }));
  await app.register(createSessionFeature({ db, passwords, sessions, loginsPerIpPerMinute: perIp }));
  await app.register(createTeamFeature({ db, outbox, passwords, sessions, acceptsPerIpPerMinute: perIp }));
  await app.register(createApiKeysFeature({ db, outbox }));
  await app.register(
    createWidgetKeysFeature({
      db,
      outbox,
      snippets: { publicUrl: config.PUBLIC_URL, sealer: widgetKeySealerFor(config) },
    }),
  );
  await app.register(
    createWidgetTokenFeature({
      db,
      secret: widgetTokenSecret(config),
      tokensPerIpPerMinute: config.WIDGET_TOKEN_RATE_LIMIT_PER_MINUTE,
    }),
  );
  await app.register(createStoreFeature({ db, outbox }));
  await app.register(createAuditLogFeature({ db }));
  await app.register(
    createServiceRoutingFeature({
      search: { url: config.SEARCH_SERVICE_URL, timeoutMs: config.SEARCH_SERVICE_TIMEOUT_MS },
      syncWorker: { url: config.SYNC_WORKER_URL, timeoutMs: config.SYNC_WORKER_TIMEOUT_MS },
      principalSecret: internalAuthSecret(config),
      serviceIdentity: serviceIdentityFor(config),
    }),
  );
}
