import { Counter, Histogram, register } from 'prom-client';

// Registered on prom-client's default registry, which the service kit serves at /metrics.
// A module can be evaluated twice in one process (test runners, two import paths), and
// prom-client refuses a second registration of a name, so an existing metric is reused.
function counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
  return (
    (register.getSingleMetric(name) as Counter<L> | undefined) ?? new Counter({ name, help, labelNames })
  );
}

function histogram<L extends string>(
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  return (
    (register.getSingleMetric(name) as Histogram<L> | undefined) ??
    new Histogram({ name, help, labelNames, buckets })
  );
}

const SECONDS_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export const outboxPublished = counter(
  'nlyzer_bus_outbox_published_total',
  'Events moved from the outbox to the bus',
  ['topic'],
);

export const relayBatchDuration = histogram(
  'nlyzer_bus_relay_batch_duration_seconds',
  'Time to claim, publish and delete one outbox batch',
  [],
  SECONDS_BUCKETS,
);

export const CONSUME_OUTCOMES = ['processed', 'duplicate', 'retried', 'dead_lettered', 'skipped'] as const;
export type ConsumeOutcome = (typeof CONSUME_OUTCOMES)[number];

export const consumed = counter('nlyzer_bus_consumed_total', 'Deliveries handled by a consumer, by outcome', [
  'subscription',
  'outcome',
]);

export const handlerDuration = histogram(
  'nlyzer_bus_handler_duration_seconds',
  'Duration of one handler attempt, its transaction included',
  ['subscription'],
  SECONDS_BUCKETS,
);
