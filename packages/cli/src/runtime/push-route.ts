import { handlePush, type SubscriptionSpec } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import { AppError, ConfigError, type Logger, unauthenticated, unavailable } from '@nlyzer/service-kit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { createRemoteJWKSet, errors, jwtVerify } from 'jose';
import type { CommandConfig } from './cli-config.ts';

/** Who may push: the OIDC token a push subscription's `oidc_token` block makes Pub/Sub send. */
export interface PushAuth {
  audience: string;
  serviceAccount: string;
  jwksUrl: string;
}

export interface PushRouteOptions {
  db: Database;
  subscriptions: readonly SubscriptionSpec[];
  logger: Logger;
  /** Null accepts unauthenticated pushes: only outside production (dev, the emulator). */
  auth: PushAuth | null;
}

/** Where Pub/Sub push subscriptions deliver on Cloud Run (Terraform points them at this path). */
export const PUSH_PATH = '/pubsub/push';

const GOOGLE_ISSUERS = ['https://accounts.google.com', 'accounts.google.com'];

/** The push identity the config names; null when it names none. Half of one is a config error. */
export function pushAuthOf(config: CommandConfig): PushAuth | null {
  const { PUBSUB_PUSH_AUDIENCE: audience, PUBSUB_PUSH_SERVICE_ACCOUNT: serviceAccount } = config;
  if (audience === undefined && serviceAccount === undefined) return null;
  if (audience === undefined || serviceAccount === undefined) {
    const [missing, set] =
      audience === undefined
        ? ['PUBSUB_PUSH_AUDIENCE', 'PUBSUB_PUSH_SERVICE_ACCOUNT']
        : ['PUBSUB_PUSH_SERVICE_ACCOUNT', 'PUBSUB_PUSH_AUDIENCE'];
    throw new ConfigError([{ variable: missing, message: `is required when ${set} is set` }]);
  }
  return { audience, serviceAccount, jwksUrl: config.PUBSUB_PUSH_JWKS_URL };
}

/**
 * Checks the bearer token against Google's keys. The gateway is public, so without this
 * anyone could post forged events to its push route. A 401 makes Pub/Sub retry, which is
 * what a real push hitting a key rotation needs.
 */
function pushAuthenticator(auth: PushAuth, logger: Logger): (request: FastifyRequest) => Promise<void> {
  // Fetched on first use, cached, and refetched when a token names a key it has not seen.
  const keys = createRemoteJWKSet(new URL(auth.jwksUrl));
  return async (request) => {
    const token = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (token === undefined) throw unauthenticated('A push must carry a bearer OIDC token');
    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer: GOOGLE_ISSUERS,
        audience: auth.audience,
      }));
    } catch (err) {
      // Not reaching the keys says nothing about the token: retryable, and not the caller's fault.
      if (!(err instanceof errors.JOSEError) || err instanceof errors.JWKSTimeout) {
        logger.error({ err, jwksUrl: auth.jwksUrl }, 'could not fetch the push token keys');
        throw unavailable('The push token keys could not be fetched');
      }
      logger.warn({ reason: err.code }, 'push with an invalid OIDC token refused');
      throw new AppError('unauthenticated', 'The push OIDC token is invalid', { cause: err });
    }
    if (claims.email !== auth.serviceAccount || claims.email_verified !== true) {
      logger.warn({ email: claims.email }, 'push token of another account refused');
      throw unauthenticated('The push OIDC token names another account');
    }
  };
}

export const pushRoute = fp(
  async (app: FastifyInstance, options: PushRouteOptions) => {
    const authenticate = options.auth ? pushAuthenticator(options.auth, options.logger) : undefined;
    // onRequest, so a refused push is turned away before its body is read.
    app.post(PUSH_PATH, authenticate ? { onRequest: authenticate } : {}, async (request, reply) => {
      const status = await handlePush(request.body, {
        subscriptions: options.subscriptions,
        db: options.db,
        logger: options.logger,
      });
      return reply.code(status).send();
    });
  },
  { name: '@nlyzer/cli/pubsub-push', fastify: '5.x' },
);
