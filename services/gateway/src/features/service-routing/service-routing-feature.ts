import type { IncomingHttpHeaders } from 'node:http';
import replyFrom from '@fastify/reply-from';
import { CATALOG_LIMITS, type Role, type ServiceName } from '@nlyzer/contracts';
import {
  AppError,
  INTERNAL_PRINCIPAL_HEADER,
  type InternalPrincipal,
  type RouteModule,
  signInternalPrincipal,
  unavailable,
} from '@nlyzer/service-kit';
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { MANAGERS, MERCHANT_READERS, type Principal, requirePrincipal } from '../auth/principal.ts';
import { acceptBodiesAsStreams, bodyStreamOf, limitFailureOf } from './forwarded-body.ts';
import {
  ANONYMOUS_SERVICE_IDENTITY,
  SERVERLESS_AUTHORIZATION_HEADER,
  type ServiceIdentity,
} from './service-identity.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The service that answers the route: the gateway only checks credentials (when the
     * route has `allow`) and forwards; that service validates the request itself.
     */
    forwardedTo?: ServiceName;
  }
}

/** A service the gateway forwards to. */
export interface Upstream {
  url: string;
  /** How long to wait for the service's response headers, and between its body chunks. */
  timeoutMs: number;
}

export interface ServiceRoutingDeps {
  search: Upstream;
  syncWorker: Upstream;
  /** Key of the X-NLyzer-Principal assertions. */
  principalSecret: string;
  /** Proves the gateway to the services (`serviceIdentityFor(config)`); anonymous when absent. */
  serviceIdentity?: ServiceIdentity;
}

/** Platform webhook payloads: Shopify's own limit is far below, WooCommerce's products are small. */
export const WEBHOOK_BODY_LIMIT_BYTES = 5 * 1024 * 1024;

const READS: HTTPMethods[] = ['GET', 'HEAD'];
const WRITES: HTTPMethods[] = ['POST', 'PUT', 'PATCH', 'DELETE'];
/** Shopper routes: everything the widget sends, CORS preflights included (search answers them). */
const SHOPPER_METHODS: HTTPMethods[] = [...READS, ...WRITES, 'OPTIONS'];
/** Merchant credentials stay at the edge; the assertion tells the service who is calling. */
const MERCHANT_CREDENTIALS = ['authorization', 'x-api-key', 'cookie'];
/**
 * Hop-by-hop headers of the service's response (RFC 9110 §7.6.1) describe the gateway's
 * connection to it, not the client's to the gateway: a service closing its keep-alive
 * connection must not close the client's.
 */
const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
];

/** One forwarded route. */
interface ForwardedRoute {
  method: HTTPMethods[];
  url: string;
  /**
   * Roles allowed: the gateway authenticates and the service gets a principal assertion.
   * Absent → public: forwarded as it came, the service verifies it (widget token, signature).
   */
  allow?: readonly Role[];
  bodyLimitBytes?: number;
}

/** A merchant resource: analysts read it, owners and admins change it. */
const merchantResource = (url: string): ForwardedRoute[] => [
  { method: READS, url, allow: MERCHANT_READERS },
  { method: WRITES, url, allow: MANAGERS },
];

interface ForwardOptions {
  drop: readonly string[];
  principalAssertion?: string;
  serviceAuthorization?: string;
}

interface UpstreamRoutes {
  service: ServiceName;
  /** Headers a public route does not pass on. */
  publicDrop: readonly string[];
  routes: ForwardedRoute[];
}

/**
 * Workflow 2's search API and the custom catalog API. Shopper routes carry the widget token
 * in Authorization, which search verifies. The catalog upsert takes inline images, so its
 * documented body limit is far above the default.
 */
const SEARCH_ROUTES: UpstreamRoutes = {
  service: 'search',
  publicDrop: [],
  routes: [
    { method: SHOPPER_METHODS, url: '/v1/search/*' },
    {
      method: ['PUT'],
      url: '/v1/catalog/products',
      allow: MANAGERS,
      bodyLimitBytes: CATALOG_LIMITS.upsertBodyBytes,
    },
    ...merchantResource('/v1/catalog/*'),
    ...merchantResource('/v1/search-settings'),
  ],
};

/**
 * Workflows 1 and 3's connection, sync and onboarding API. The platforms' callbacks are
 * public and verified by the sync worker on the raw bytes (HMACs), so their bodies and
 * query strings pass untouched; no merchant credential goes with them.
 */
const SYNC_WORKER_ROUTES: UpstreamRoutes = {
  service: 'sync-worker',
  publicDrop: MERCHANT_CREDENTIALS,
  routes: [
    ...merchantResource('/v1/connection'),
    ...merchantResource('/v1/connection/*'),
    { method: ['GET'], url: '/v1/connection/shopify/callback' },
    ...merchantResource('/v1/sync/*'),
    ...merchantResource('/v1/quality-report'),
    ...merchantResource('/v1/onboarding'),
    { method: ['POST'], url: '/v1/webhooks/shopify', bodyLimitBytes: WEBHOOK_BODY_LIMIT_BYTES },
    { method: ['POST'], url: '/v1/webhooks/woocommerce/*', bodyLimitBytes: WEBHOOK_BODY_LIMIT_BYTES },
  ],
};

function internalPrincipalOf(principal: Principal): InternalPrincipal {
  const actor =
    principal.kind === 'session'
      ? { kind: 'user' as const, id: principal.userId! }
      : { kind: 'api_key' as const, id: principal.keyId! };
  return { storeId: principal.storeId, role: principal.role, actor, tier: principal.tier };
}

/**
 * The headers the service receives. A client's own X-NLyzer-Principal and
 * X-Serverless-Authorization are always dropped: only the gateway asserts principals and
 * proves itself to the service. The X-Forwarded-* headers are replaced by what the
 * gateway resolved under its TRUST_PROXY rule, so a client cannot plant an address or host
 * the service would believe.
 */
function forwardedHeaders(
  request: FastifyRequest,
  incoming: IncomingHttpHeaders,
  options: ForwardOptions,
): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...incoming };
  for (const name of [INTERNAL_PRINCIPAL_HEADER, SERVERLESS_AUTHORIZATION_HEADER, ...options.drop]) {
    delete headers[name];
  }
  headers['x-forwarded-for'] = request.ip;
  headers['x-forwarded-proto'] = request.protocol;
  headers['x-forwarded-host'] = request.host;
  headers['x-request-id'] = request.id;
  if (options.principalAssertion) headers[INTERNAL_PRINCIPAL_HEADER] = options.principalAssertion;
  if (options.serviceAuthorization) {
    headers[SERVERLESS_AUTHORIZATION_HEADER] = options.serviceAuthorization;
  }
  return headers;
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete kept[name];
  return kept;
}

function upstreamProblem(service: ServiceName, error: Error): AppError {
  const timedOut = (error as { statusCode?: number }).statusCode === 504;
  return timedOut
    ? unavailable(`The ${service} service did not answer in time`)
    : unavailable(`The ${service} service is unavailable`);
}

/**
 * The routes of one service, in their own plugin scope (reply-from's base URL is per scope):
 * streamed through without the gateway reading their bodies, public ones as they came,
 * merchant ones authenticated here and sent on with a principal assertion for that service.
 */
function upstreamScope(
  upstream: Upstream,
  { service, publicDrop, routes }: UpstreamRoutes,
  deps: { principalSecret: string; serviceIdentity: ServiceIdentity },
): RouteModule {
  // Cloud Run accepts ID tokens whose audience is the service's URL.
  const audience = new URL(upstream.url).origin;

  return async (app) => {
    await app.register(replyFrom, { base: upstream.url, disableRequestLogging: true });
    acceptBodiesAsStreams(app);

    const forward = async (
      request: FastifyRequest,
      reply: FastifyReply,
      options: ForwardOptions,
    ): Promise<FastifyReply> => {
      let serviceAuthorization: string | undefined;
      try {
        serviceAuthorization = await deps.serviceIdentity.authorizationFor(audience);
      } catch (err) {
        // The body was never read: the connection cannot be reused for the next request.
        if (!request.raw.complete) reply.header('connection', 'close');
        throw new AppError('unavailable', `The ${service} service is unavailable`, { cause: err });
      }
      const body = bodyStreamOf(request);
      // reply-from streams `request.body` when it is a stream.
      request.body = body;
      try {
        return reply.from(undefined, {
          timeout: upstream.timeoutMs,
          // Never hold a client while retrying; a 503 of the service passes on with its Retry-After.
          retryDelay: () => null,
          rewriteRequestHeaders: (_request, headers) =>
            forwardedHeaders(request, headers, { ...options, serviceAuthorization }),
          rewriteHeaders: withoutHopByHop,
          onError: (failed, { error }) => {
            // Unread body bytes would otherwise be drained before the connection is reused.
            if (!request.raw.complete) failed.header('connection', 'close');
            failed.send(limitFailureOf(body) ?? upstreamProblem(service, error));
          },
        });
      } catch (err) {
        // reply-from refuses paths that would climb out of the route (`..`) or do not decode.
        throw new AppError('bad_request', 'The request path cannot be forwarded', { cause: err });
      }
    };

    const forwardPublic = async (request: FastifyRequest, reply: FastifyReply) =>
      forward(request, reply, { drop: publicDrop });
    const forwardAsMerchant = async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = internalPrincipalOf(requirePrincipal(request.principal));
      const principalAssertion = await signInternalPrincipal(principal, {
        secret: deps.principalSecret,
        audience: service,
      });
      return forward(request, reply, { drop: MERCHANT_CREDENTIALS, principalAssertion });
    };

    for (const route of routes) {
      app.route({
        method: route.method,
        url: route.url,
        config: {
          forwardedTo: service,
          ...(route.allow ? { allow: route.allow } : {}),
          ...(route.bodyLimitBytes === undefined ? {} : { forwardedBodyLimitBytes: route.bodyLimitBytes }),
        },
        handler: route.allow ? forwardAsMerchant : forwardPublic,
      });
    }
  };
}

/** Routes that belong to other services: search's, and the sync worker's. */
export function createServiceRoutingFeature(deps: ServiceRoutingDeps): RouteModule {
  return async (app) => {
    const shared = {
      principalSecret: deps.principalSecret,
      serviceIdentity: deps.serviceIdentity ?? ANONYMOUS_SERVICE_IDENTITY,
    };
    await app.register(upstreamScope(deps.search, SEARCH_ROUTES, shared));
    await app.register(upstreamScope(deps.syncWorker, SYNC_WORKER_ROUTES, shared));
  };
}
