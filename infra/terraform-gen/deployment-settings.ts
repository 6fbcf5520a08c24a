// Production settings that the contracts do not carry because they only matter to the
// deployment: sizing, which secrets each service may read, warehouse access and delivery
// policy. Topic names, subscribers and crons never appear here; they come from the catalogs.
import { SERVICE_NAMES, SERVICES, type ServiceName } from '@nlyzer/contracts';
import type { ModuleInput } from './module-interface.ts';

export interface ServiceProfile {
  readonly minInstances: number;
  readonly maxInstances: number;
  readonly cpu: string;
  readonly memory: string;
  /** Reachable from the internet without a Google identity (the public edge). */
  readonly public: boolean;
}

const DEFAULT_PROFILE: ServiceProfile = {
  minInstances: 0,
  maxInstances: 10,
  cpu: '1',
  memory: '512Mi',
  public: false,
};

/**
 * Services on a shopper's request path keep a warm instance; search gets the memory the
 * vision model needs and the sync worker the memory to decode catalog images. Everything
 * else scales to zero between events and jobs.
 */
const PROFILE_OVERRIDES: Partial<Record<ServiceName, Partial<ServiceProfile>>> = {
  gateway: { minInstances: 1, maxInstances: 20, public: true },
  search: { minInstances: 1, maxInstances: 20, cpu: '2', memory: '2Gi' },
  'sync-worker': { cpu: '2', memory: '2Gi' },
};

export function serviceProfile(service: ServiceName): ServiceProfile {
  return { ...DEFAULT_PROFILE, ...PROFILE_OVERRIDES[service] };
}

/**
 * Secret Manager secrets, by the env var each one is exposed as, and the services whose
 * service accounts may read it. DATABASE_URL is created next to Cloud SQL in
 * terraform/main.tf (its value is derived there) and passed into the generated module.
 */
export const SECRET_ENV: Readonly<Record<string, readonly ServiceName[]>> = {
  DATABASE_URL: SERVICE_NAMES,
  // The gateway signs widget tokens, search verifies them.
  WIDGET_TOKEN_SECRET: ['gateway', 'search'],
  WIDGET_KEY_SEALING_SECRET: ['gateway'],
  // The gateway signs principal assertions with it and services verify them; every service's
  // config requires it in production.
  INTERNAL_AUTH_SECRET: SERVICE_NAMES,
  CONNECTION_SEALING_KEY: ['sync-worker'],
  SHOPIFY_API_SECRET: ['sync-worker'],
  STRIPE_SECRET_KEY: ['billing'],
  SENDGRID_API_KEY: ['notifier'],
  TWILIO_AUTH_TOKEN: ['notifier'],
  OPENAI_API_KEY: ['search', 'intelligence'],
  PINECONE_API_KEY: ['search'],
};

/** The secret whose value terraform/main.tf writes; every other secret gets its versions from an operator. */
export const DATABASE_URL_SECRET = 'DATABASE_URL';

export function secretsOf(service: ServiceName): string[] {
  return Object.entries(SECRET_ENV)
    .filter(([, services]) => services.includes(service))
    .map(([envVar]) => envVar);
}

/** The Postgres schema of the analytics warehouse; its owner writes the BigQuery dataset. */
const WAREHOUSE_SCHEMA = 'analytics';
/** Intelligence runs its analyses over the warehouse. */
const WAREHOUSE_READERS: ServiceName[] = ['intelligence'];

export const WAREHOUSE = {
  dataset: 'analytics',
  searchEventsTable: 'search_events',
  /** The topic whose events become `search_events` rows. */
  searchEventsTopic: 'search.performed',
  writers: SERVICE_NAMES.filter((name) => SERVICES[name].schema === WAREHOUSE_SCHEMA),
  readers: WAREHOUSE_READERS,
} as const;

/**
 * Pub/Sub delivery. The bus retries a failing handler and dead-letters it into Postgres
 * itself; these settings are the backstop for deliveries that never get an answer (crash,
 * timeout), so a poison message cannot circle forever.
 */
export const DELIVERY = {
  ackDeadlineSeconds: 60,
  minimumBackoff: '10s',
  maximumBackoff: '600s',
  maxDeliveryAttempts: 10,
  /** Unacked messages (and dead letters) are kept a week for replay. */
  retention: '604800s',
  /** The route the bus's push decoder serves on every service. */
  pushPath: '/pubsub/push',
} as const;

export const SCHEDULER = {
  /** Long analyses run inside the request; Cloud Scheduler allows up to 30 min for HTTP targets. */
  attemptDeadline: '1800s',
  retryCount: 3,
  minBackoff: '30s',
  maxBackoff: '600s',
} as const;

export const CLOUD_RUN = {
  /** Matches the scheduler's attempt deadline so a job request is never cut short. */
  requestTimeout: '1800s',
  concurrency: 80,
  containerPort: 8080,
  cloudSqlMountPath: '/cloudsql',
} as const;

/**
 * The audience of a service's push OIDC tokens. A fixed string rather than the service's
 * URL: the service must know it from its env, and its own URL would be a dependency cycle.
 */
export function pushAudience(service: ServiceName): string {
  return `nlyzer-pubsub-push:${service}`;
}

/** Plain env vars every service gets (names from the service kit's and the CLI's config). */
export function runtimeEnv(
  service: ServiceName,
  projectId: string,
  pushServiceAccountEmail: string,
): Record<string, string> {
  return {
    NODE_ENV: 'production',
    // The image's entry point serves the service this names.
    SERVICE: service,
    BUS_DRIVER: 'pubsub',
    GOOGLE_CLOUD_PROJECT: projectId,
    // /pubsub/push accepts only tokens Pub/Sub minted as the push identity for this service.
    PUBSUB_PUSH_AUDIENCE: pushAudience(service),
    PUBSUB_PUSH_SERVICE_ACCOUNT: pushServiceAccountEmail,
    // Its upstreams require Cloud Run authentication: it sends an ID token for each.
    ...(UPSTREAMS[service] ? { SERVICE_AUTH: 'google-id-token' } : {}),
  };
}

/**
 * Plain env vars whose value is a module input, by service: values that belong to the
 * environment (its public address, the Shopify app's client id), not to the catalogs.
 */
export const INPUT_ENV: Readonly<Partial<Record<ServiceName, Readonly<Record<string, ModuleInput>>>>> = {
  gateway: { PUBLIC_URL: 'public_url' },
  'sync-worker': { PUBLIC_URL: 'public_url', SHOPIFY_API_KEY: 'shopify_api_key' },
};

/**
 * Service-to-service HTTP calls: the env var holding each upstream's base URL, by calling
 * service. The caller gets the upstream's Cloud Run URL and roles/run.invoker on it, and no
 * other service account may invoke an internal service: one entry grants both, so a caller
 * never holds a URL it may not call, nor a grant it has no URL for.
 */
export const UPSTREAMS: Readonly<Partial<Record<ServiceName, Readonly<Record<string, ServiceName>>>>> = {
  // The gateway forwards shopper and merchant requests (service-routing feature).
  gateway: { SEARCH_SERVICE_URL: 'search', SYNC_WORKER_URL: 'sync-worker' },
};

/** The services that call `service` over HTTP. */
export function callersOf(service: ServiceName): ServiceName[] {
  return SERVICE_NAMES.filter((caller) => Object.values(UPSTREAMS[caller] ?? {}).includes(service));
}

/** Labels on every generated resource that takes them. */
export function labelsOf(service?: ServiceName): Record<string, string> {
  return service ? { app: 'nlyzer', service } : { app: 'nlyzer' };
}
