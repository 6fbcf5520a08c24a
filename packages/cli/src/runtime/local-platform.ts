import { createInProcessBus, type EventBus } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import type { Env, Logger, ServiceDefinition } from '@nlyzer/service-kit';
import { listenAll } from './listen.ts';
import { type Platform, startPlatform } from './platform.ts';
import { freePorts, serviceUrls } from './service-urls.ts';

/** Stores on this machine (sandboxes, test servers): merchant URLs are public-only by default. */
export const LOCAL_STORES_ENV = {
  PLATFORM_FETCH_ALLOW_PRIVATE: 'true',
  CATALOG_IMAGE_FETCH_ALLOW_PRIVATE: 'true',
} as const;

/** The platform acting as the app of a local Shopify-shaped shop. */
export function shopifyAppEnv(shop: { apiKey: string; apiSecret: string; origin: string }): Env {
  return {
    SHOPIFY_API_KEY: shop.apiKey,
    SHOPIFY_API_SECRET: shop.apiSecret,
    SHOPIFY_ADMIN_ORIGIN: shop.origin,
  };
}

export interface LocalPlatform {
  platform: Platform;
  /** `http://127.0.0.1:<port>` of the gateway. */
  gateway: string;
}

/**
 * Every given service in this process on free ports of 127.0.0.1, wired to each other
 * (the end-to-end tests and the onboarding bench): the in-process bus, no scheduler.
 */
export async function startLocalPlatform(options: {
  services: readonly ServiceDefinition[];
  db: Database;
  env: Env;
  logger: Logger;
  bus?: EventBus;
}): Promise<LocalPlatform> {
  const { services, env, logger } = options;
  const ports = await freePorts(services.map((service) => service.name));
  const platform = await startPlatform({
    services,
    db: options.db,
    bus: options.bus ?? createInProcessBus({ logger }),
    envFor: (service) => ({ ...env, PORT: String(ports[service.name]), ...serviceUrls(ports, env) }),
    loggerFor: () => logger,
    logger,
    pull: true,
    schedule: false,
  });
  await listenAll(platform.services, '127.0.0.1');
  return { platform, gateway: `http://127.0.0.1:${ports.gateway}` };
}
