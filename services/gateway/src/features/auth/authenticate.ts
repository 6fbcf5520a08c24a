import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import { type Role, TIERS, type TierName } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { AppError, forbidden, rateLimited, unauthenticated } from '@nlyzer/service-kit';
import type { FastifyRequest, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { hashSecret, looksLike } from '../../credentials.ts';
import { resolveApiKey, resolveSession } from './credential-lookup.ts';
import type { Principal } from './principal.ts';
import { SESSION_COOKIE } from './sessions.ts';

export interface AuthenticationOptions {
  db: Database;
  /** Requests a store may make per minute, by tier; the tier catalog by default. */
  storeRequestsPerMinute?: (tier: TierName) => number;
}

const fromTierCatalog = (tier: TierName) => TIERS[tier].rateLimits.apiPerMinute;

/**
 * Authentication, authorization and per-store rate limiting, declared per route:
 * a route with `config.allow` gets, before anything reads its body, a hook that
 * resolves the caller (session or API key) into `request.principal`, checks the role,
 * and counts the request against the store's per-minute limit. Routes without `allow`
 * are public; they may set `config.rateLimit` for a per-IP limit.
 *
 * Limits are counted in process memory. Several gateway instances therefore each allow
 * a store the full limit: the limit is a guard against runaway clients, not billing
 * (billing meters searches from events), and an over-allowance bounded by the instance
 * count is accepted rather than putting a shared counter write on every request's path.
 */
export function createAuthentication(options: AuthenticationOptions) {
  const { db } = options;
  const perMinute = options.storeRequestsPerMinute ?? fromTierCatalog;

  return fp(
    async (app) => {
      await app.register(fastifyCookie);
      await app.register(fastifyRateLimit, {
        global: false,
        // Keys are IPs and store ids; a larger LRU than the default 5000 keeps busy stores from evicting each other.
        cache: 50_000,
        errorResponseBuilder: (_request, context) => rateLimited(context.ttl / 1000),
      });
      app.decorateRequest('principal', null);

      const limitStore = app.rateLimit({
        keyGenerator: (request) => `store:${request.principal!.storeId}`,
        max: (request) => perMinute(request.principal!.tier),
        timeWindow: 60_000,
      }) as onRequestHookHandler;

      app.addHook('onRoute', (route) => {
        const allow = route.config?.allow;
        if (!allow) return;
        const authenticate: onRequestHookHandler = async (request) => {
          request.principal = await resolvePrincipal(db, request);
          authorize(request.principal, allow);
        };
        const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
        route.onRequest = [authenticate, limitStore, ...existing] as onRequestHookHandler[];
      });
    },
    { name: 'nlyzer-authentication' },
  );
}

function authorize(principal: Principal, allow: readonly Role[]): void {
  if (!allow.includes(principal.role)) {
    throw forbidden(`This action needs one of the roles: ${allow.join(', ')}`);
  }
}

type Presented = { kind: 'session' | 'apiKey'; value: string };

/** Authorization: Bearer (session token or API key), X-Api-Key, or the session cookie — first present wins. */
function presentedCredential(request: FastifyRequest): Presented | null {
  const authorization = request.headers.authorization;
  if (authorization !== undefined) {
    const bearer = /^Bearer[ ]+(\S+)\s*$/i.exec(authorization)?.[1];
    if (!bearer) throw unauthenticated('Authorization must be "Bearer <token>"');
    return { kind: bearer.startsWith('nlz_sk_') ? 'apiKey' : 'session', value: bearer };
  }
  const apiKey = request.headers['x-api-key'];
  if (apiKey !== undefined) return { kind: 'apiKey', value: String(apiKey) };
  const cookie = request.cookies[SESSION_COOKIE];
  if (cookie) return { kind: 'session', value: cookie };
  return null;
}

async function resolvePrincipal(db: Database, request: FastifyRequest): Promise<Principal> {
  const presented = presentedCredential(request);
  if (!presented) throw unauthenticated('Sign in, or send an API key');
  if (!looksLike(presented.kind, presented.value)) throw unauthenticated('Unknown or revoked credentials');
  const hash = hashSecret(presented.value);

  if (presented.kind === 'apiKey') {
    const key = await resolveApiKey(db, hash);
    if (!key) throw unauthenticated('Unknown or revoked credentials');
    return {
      kind: 'api_key',
      storeId: key.store_id,
      userId: null,
      keyId: key.key_id,
      sessionId: null,
      role: key.role,
      tier: key.tier,
      accountableUserId: key.created_by_user_id,
    };
  }

  const session = await resolveSession(db, hash);
  if (!session) throw unauthenticated('Unknown or revoked credentials');
  if (session.expires_at.getTime() <= Date.now())
    throw new AppError('credentials_expired', 'The session expired; sign in again');
  return {
    kind: 'session',
    storeId: session.store_id,
    userId: session.user_id,
    keyId: null,
    sessionId: session.session_id,
    role: session.role,
    tier: session.tier,
    accountableUserId: session.user_id,
  };
}
