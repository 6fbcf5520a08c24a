import fastifyCors from '@fastify/cors';
import fastifyRateLimit from '@fastify/rate-limit';
import { TIERS, type TierName } from '@nlyzer/contracts';
import { verifyWidgetToken } from '@nlyzer/gateway';
import { rateLimited, unauthenticated } from '@nlyzer/service-kit';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler } from 'fastify';

/** Who is calling a shopper route: the widget of one store, on one origin. */
export interface Shopper {
  storeId: string;
  tier: TierName;
  origin: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    shopper: Shopper | null;
  }
}

export interface ShopperAccessOptions {
  widgetTokenSecret: string;
  /** Searches a store's widgets may make per minute, by tier; the tier catalog by default. */
  searchesPerMinute?: (tier: TierName) => number;
}

const fromTierCatalog = (tier: TierName) => TIERS[tier].rateLimits.widgetSearchPerMinute;

/**
 * Registers, in the calling plugin's scope, what shopper routes need: CORS for the
 * merchant's pages (any origin may ask; the token then binds the request to the one
 * origin it was minted for), the widget token check, and the per-store limit. It runs
 * in onRequest, before the (up to 5 MB) body is read, so refusals cost nothing.
 * Limits are counted per instance, like the gateway's: a guard, not metering.
 */
export async function registerShopperAccess(
  app: FastifyInstance,
  options: ShopperAccessOptions,
): Promise<void> {
  const perMinute = options.searchesPerMinute ?? fromTierCatalog;
  await app.register(fastifyCors, {
    origin: true,
    methods: ['GET', 'POST'],
    allowedHeaders: ['Authorization', 'Content-Type', 'X-Request-ID'],
    exposedHeaders: ['X-Request-ID', 'Retry-After'],
    maxAge: 600,
  });
  await app.register(fastifyRateLimit, {
    global: false,
    cache: 50_000,
    errorResponseBuilder: (_request, context) => rateLimited(context.ttl / 1000),
  });
  if (!app.hasRequestDecorator('shopper')) app.decorateRequest('shopper', null);

  const limit = app.rateLimit({
    keyGenerator: (request) => `store:${request.shopper!.storeId}`,
    max: (request) => perMinute(request.shopper!.tier),
    timeWindow: 60_000,
  }) as onRequestHookHandler;

  const authenticate: onRequestHookHandler = async (request) => {
    request.shopper = await resolveShopper(request, options.widgetTokenSecret);
  };
  // Every route declared after this call in the same scope (the CORS preflight excepted).
  app.addHook('onRoute', (route) => {
    if (route.method === 'OPTIONS') return;
    const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
    route.onRequest = [authenticate, limit, ...existing] as onRequestHookHandler[];
  });
}

async function resolveShopper(request: FastifyRequest, secret: string): Promise<Shopper> {
  const authorization = request.headers.authorization;
  const token = authorization === undefined ? undefined : /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)?.[1];
  if (token === undefined) throw unauthenticated('Send the widget token as Authorization: Bearer <token>');
  const origin = request.headers.origin;
  const claims = await verifyWidgetToken(token, origin, secret);
  return { storeId: claims.storeId, tier: claims.tier, origin: origin! };
}
