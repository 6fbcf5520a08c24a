import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { collectDefaultMetrics, Histogram, register } from 'prom-client';

const REQUEST_DURATION = 'http_request_duration_seconds';
const LABELS = ['service', 'method', 'route', 'status_code'] as const;

/**
 * Everything is registered once per process on prom-client's default registry: the
 * embedded runtime builds every service in one process, and prom-client refuses a
 * second registration of a name. The `service` label tells the apps apart.
 */
function requestDuration(): Histogram<(typeof LABELS)[number]> {
  const existing = register.getSingleMetric(REQUEST_DURATION) as
    | Histogram<(typeof LABELS)[number]>
    | undefined;
  if (existing) return existing;
  // Default process metrics are started with the first app, exactly once.
  if (!register.getSingleMetric('process_cpu_user_seconds_total')) collectDefaultMetrics();
  return new Histogram({
    name: REQUEST_DURATION,
    help: 'HTTP request duration by route pattern',
    labelNames: LABELS,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
}

/** Route histogram for every request (labelled by route pattern, never the raw URL) and `GET /metrics`. */
export const metrics = fp(
  async (app: FastifyInstance, options: { service: string }) => {
    const histogram = requestDuration();
    app.addHook('onResponse', async (request, reply) => {
      histogram.observe(
        {
          service: options.service,
          method: request.method,
          // Unmatched URLs share one label so scanners cannot blow up the series count.
          route: request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched'),
          status_code: String(reply.statusCode),
        },
        reply.elapsedTime / 1000,
      );
    });
    app.get('/metrics', async (_request, reply) => {
      reply.type(register.contentType);
      return register.metrics();
    });
  },
  { name: '@nlyzer/service-kit/metrics', fastify: '5.x' },
);
