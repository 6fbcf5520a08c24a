// The deployable units and the Postgres schema each one owns. A service reads and writes
// only its own schema; everything else reaches it as an event or an HTTP call.

export type ServiceRuntime = 'cloud-run' | 'cloud-function';

export interface ServiceDefinition {
  readonly name: string;
  readonly schema: string;
  readonly runtime: ServiceRuntime;
  readonly description: string;
}

function defineServices<const S extends Record<string, Omit<ServiceDefinition, 'name'>>>(
  services: S,
): { readonly [K in keyof S & string]: S[K] & { readonly name: K } } {
  return Object.fromEntries(Object.entries(services).map(([name, def]) => [name, { name, ...def }])) as never;
}

export const SERVICES = defineServices({
  gateway: {
    schema: 'core',
    runtime: 'cloud-run',
    description: 'Public edge: signup, auth, API and widget keys, per-store rate limits, routing, dashboards',
  },
  search: {
    schema: 'search',
    runtime: 'cloud-run',
    description: 'Image intake, embeddings, per-store k-NN, ranking, result cache, low-confidence handoff',
  },
  'sync-worker': {
    schema: 'catalog',
    runtime: 'cloud-run',
    description: 'Platform connectors, catalog diff, image fetching, sync runs and sync alerts',
  },
  billing: {
    schema: 'billing',
    runtime: 'cloud-run',
    description: 'Metering, tier pricing, Stripe customers/invoices, webhooks, dunning, usage alerts',
  },
  concierge: {
    schema: 'concierge',
    runtime: 'cloud-run',
    description: 'Expert availability, priority queue, claims, live chat, expert picks and handback',
  },
  intelligence: {
    schema: 'insights',
    runtime: 'cloud-run',
    description: 'Trend, anomaly and failed-search analyses over search events; insight generation',
  },
  notifier: {
    schema: 'notify',
    runtime: 'cloud-run',
    description: 'Routes events to templates and channels, time-zone-aware reports, delivery tracking',
  },
  flags: {
    schema: 'flags',
    runtime: 'cloud-run',
    description: 'Flag evaluation, segments, hash-based experiment assignment, overrides, kill switches',
  },
  'analytics-writer': {
    schema: 'analytics',
    runtime: 'cloud-function',
    description: 'Batches search, tracking and exposure events into the analytics warehouse',
  },
});

export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];
