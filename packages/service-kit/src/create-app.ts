import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { runWithCorrelation } from '@nlyzer/bus';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
  type RawServerDefault,
} from 'fastify';
import { health } from './health.ts';
import { type Logger, loggableUrl, traceFields } from './logger.ts';
import { metrics } from './metrics.ts';
import { problemJson, replyWithProblem } from './problem-json.ts';
import { type ServiceParts, serviceParts } from './service-parts.ts';
import { typeboxValidatorCompiler } from './typebox-validator.ts';

/** A service's Fastify instance: TypeBox-typed routes, the kit's decorations. */
export type App = FastifyInstance<
  RawServerDefault,
  IncomingMessage,
  ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

/** The type of a route module: `export const routes: RouteModule = async (app) => { app.get(…) }`. */
export type RouteModule<Options extends Record<string, unknown> = Record<never, never>> =
  FastifyPluginAsyncTypebox<Options>;

export interface CreateAppOptions extends ServiceParts {
  /** Service name: the `service` metric label and the logs' serviceContext. */
  name: string;
  logger: Logger;
  /** Budget for each readiness ping (db, bus). */
  readyTimeoutMs?: number;
}

/** Accepted incoming X-Request-ID values; anything else is replaced, never trusted into logs. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const PROBE_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

function requestIdOf(raw: IncomingMessage): string {
  const incoming = raw.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/** One line per request, on completion, in Cloud Logging's `httpRequest` shape. */
class HttpRequestLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    const status = reply.statusCode;
    const probe = PROBE_ROUTES.has(request.routeOptions.url ?? '');
    const level = error || status >= 500 ? 'error' : probe ? 'debug' : 'info';
    const responseSize = reply.getHeader('content-length');
    const requestSize = request.headers['content-length'];
    const httpRequest = {
      requestMethod: request.method,
      requestUrl: loggableUrl(request.url),
      status,
      latency: `${(reply.elapsedTime / 1000).toFixed(3)}s`,
      remoteIp: request.ip,
      protocol: `HTTP/${request.raw.httpVersion}`,
      ...(request.headers['user-agent'] ? { userAgent: request.headers['user-agent'] } : {}),
      ...(requestSize ? { requestSize } : {}),
      ...(responseSize !== undefined ? { responseSize: String(responseSize) } : {}),
    };
    reply.log[level]({ httpRequest, ...(error ? { err: error } : {}) }, 'request completed');
  }
}

/**
 * The one way to build a service's HTTP app: no port is opened (tests use `app.inject`,
 * `startService` listens). Every response carries X-Request-ID, every error is
 * problem+json, and events emitted while handling a request carry its id as correlation_id.
 */
export async function createApp(options: CreateAppOptions): Promise<App> {
  const { name, config, logger, db, bus, outbox } = options;
  const app = Fastify({
    loggerInstance: logger,
    bodyLimit: config.BODY_LIMIT_BYTES,
    trustProxy: config.TRUST_PROXY,
    requestIdHeader: false,
    genReqId: requestIdOf,
    logController: new HttpRequestLog({ requestIdLogLabel: 'request_id' }),
    childLoggerFactory: (parent, bindings, childOptions, raw) =>
      parent.child(
        {
          ...bindings,
          correlation_id: bindings.request_id,
          ...traceFields(raw.headers, config.GOOGLE_CLOUD_PROJECT),
        },
        childOptions,
      ),
    frameworkErrors: (err, request, reply) => {
      replyWithProblem(err, request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.setValidatorCompiler(typeboxValidatorCompiler);

  // The rest of the request's lifecycle (body parsing, hooks, handler) continues inside
  // `done`, so it all runs in this correlation context; the outbox reads it when emitting.
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    runWithCorrelation({ correlationId: request.id, causationId: null }, done);
  });

  await app.register(serviceParts, { config, db, bus, outbox });
  // An idle keep-alive connection holds app.close() open until it times out (72 s by
  // default), past any shutdown budget: once shutdown has begun, responses close theirs.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (app.lifecycle.shuttingDown) reply.header('connection', 'close');
    done(null, payload);
  });
  await app.register(problemJson);
  await app.register(metrics, { service: name });
  await app.register(health, { readyTimeoutMs: options.readyTimeoutMs ?? 2000 });
  return app as unknown as App;
}
