import type { IncomingHttpHeaders } from 'node:http';
import replyFrom from '@fastify/reply-from';
import type { Role, ServiceName } from '@nlyzer/contracts';
import {
  AppError,
  INTERNAL_PRINCIPAL_HEADER,
  type InternalPrincipal,
  type RouteModule,
  signInternalPrincipal,
  unavailable,
} from '@nlyzer/service-kit';
import type { FastifyReply, FastifyRequest, HTTPMethods } from 'fastify';
import { MANAGERS, type Principal, requirePrincipal } from '../auth/principal.ts';
import { acceptBodiesAsStreams, bodyStreamOf, limitFailureOf } from './forwarded-body.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The service that answers the route: the gateway only checks credentials (when the
     * route has `allow`) and forwards; that service validates the request itself.
     */
    forwardedTo?: ServiceName;
  }
}

export interface ServiceRoutingDeps {
  /** Base URL of the search service. */
  searchUrl: string;
  /** How long to wait for the service's response headers, and between its body chunks. */
  timeoutMs: number;
  /** Key of the X-NLyzer-Principal assertions. */
  principalSecret: string;
}

/** Catalog and search settings: analysts read them; owners and admins change them. */
const CATALOG_READERS: readonly Role[] = ['owner', 'admin', 'analyst'];
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

function internalPrincipalOf(principal: Principal): InternalPrincipal {
  const actor =
    principal.kind === 'session'
      ? { kind: 'user' as const, id: principal.userId! }
      : { kind: 'api_key' as const, id: principal.keyId! };
  return { storeId: principal.storeId, role: principal.role, actor, tier: principal.tier };
}

/**
 * The headers the service receives. A client's own X-NLyzer-Principal is always dropped:
 * only the gateway asserts principals. The X-Forwarded-* headers are replaced by what the
 * gateway resolved under its TRUST_PROXY rule, so a client cannot plant an address or host
 * the service would believe.
 */
function forwardedHeaders(
  request: FastifyRequest,
  incoming: IncomingHttpHeaders,
  options: { drop: readonly string[]; principalAssertion?: string },
): IncomingHttpHeaders {
  const headers: IncomingHttpHeaders = { ...incoming };
  for (const name of [INTERNAL_PRINCIPAL_HEADER, ...options.drop]) delete headers[name];
  headers['x-forwarded-for'] = request.ip;
  headers['x-forwarded-proto'] = request.protocol;
  headers['x-forwarded-host'] = request.host;
  headers['x-request-id'] = request.id;
  if (options.principalAssertion) headers[INTERNAL_PRINCIPAL_HEADER] = options.principalAssertion;
  return headers;
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = { ...headers };
  for (const name of HOP_BY_HOP) delete kept[name];
  return kept;
}

function upstreamProblem(error: Error): AppError {
  const timedOut = (error as { statusCode?: number }).statusCode === 504;
  return timedOut
    ? unavailable('The search service did not answer in time')
    : unavailable('The search service is unavailable');
}

/**
 * Routes that belong to other services (workflow 2's search API, the custom catalog API),
 * streamed through without the gateway reading their bodies. Shopper routes are public:
 * search verifies the widget token and applies its per-store limit. Merchant routes are
 * authenticated here and reach search with a signed principal assertion.
 */
export function createServiceRoutingFeature(deps: ServiceRoutingDeps): RouteModule {
  return async (app) => {
    await app.register(replyFrom, { base: deps.searchUrl, disableRequestLogging: true });
    acceptBodiesAsStreams(app);

    const forward = (
      request: FastifyRequest,
      reply: FastifyReply,
      options: { drop: readonly string[]; principalAssertion?: string },
    ): FastifyReply => {
      const body = bodyStreamOf(request);
      // reply-from streams `request.body` when it is a stream.
      request.body = body;
      try {
        return reply.from(undefined, {
          timeout: deps.timeoutMs,
          // Never hold a client while retrying; a 503 of the service passes on with its Retry-After.
          retryDelay: () => null,
          rewriteRequestHeaders: (_request, headers) => forwardedHeaders(request, headers, options),
          rewriteHeaders: withoutHopByHop,
          onError: (failed, { error }) => {
            // Unread body bytes would otherwise be drained before the connection is reused.
            if (!request.raw.complete) failed.header('connection', 'close');
            failed.send(limitFailureOf(body) ?? upstreamProblem(error));
          },
        });
      } catch (err) {
        // reply-from refuses paths that would climb out of the route (`..`) or do not decode.
        throw new AppError('bad_request', 'The request path cannot be forwarded', { cause: err });
      }
    };

    app.route({
      method: SHOPPER_METHODS,
      url: '/v1/search/*',
      config: { forwardedTo: 'search' },
      handler: (request, reply) => forward(request, reply, { drop: [] }),
    });

    const forwardAsMerchant = async (request: FastifyRequest, reply: FastifyReply) => {
      const principal = internalPrincipalOf(requirePrincipal(request.principal));
      const principalAssertion = await signInternalPrincipal(principal, {
        secret: deps.principalSecret,
        audience: 'search',
      });
      return forward(request, reply, { drop: MERCHANT_CREDENTIALS, principalAssertion });
    };
    for (const url of ['/v1/catalog/*', '/v1/search-settings']) {
      app.route({
        method: READS,
        url,
        config: { allow: CATALOG_READERS, forwardedTo: 'search' },
        handler: forwardAsMerchant,
      });
      app.route({
        method: WRITES,
        url,
        config: { allow: MANAGERS, forwardedTo: 'search' },
        handler: forwardAsMerchant,
      });
    }
  };
}
