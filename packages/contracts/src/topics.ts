// The topic catalog: every event NLyzer publishes, its payload schema, who publishes it and
// who listens. Pub/Sub topics and subscriptions (Terraform), the bus wiring and the docs are
// derived from it. A topic's name is the envelope's `event_type`.
import Type, { type Static, type TObject, type TProperties } from 'typebox';
import {
  Cents,
  Count,
  DateOnly,
  DateTime,
  Email,
  FlagKey,
  NOTIFICATION_CHANNELS,
  NullableUuid,
  OpaqueId,
  PlatformSchema,
  Ratio,
  RoleSchema,
  SEARCH_KINDS,
  Sha256Hex,
  TimeZone,
  Url,
  USAGE_METRICS,
  Uuid,
} from './primitives.ts';
import type { JobName } from './schedules.ts';
import type { ServiceName } from './services.ts';
import { TIER_NAMES } from './tiers.ts';

export interface TopicDefinition<Name extends string = string, Payload extends TObject = TObject> {
  /** Pub/Sub topic id and envelope `event_type`: dotted lowercase, `<entity>.<past-tense verb>`. */
  readonly name: Name;
  /** Bumped only for breaking payload changes; envelopes must carry the catalog's version. */
  readonly version: number;
  readonly payload: Payload;
  /** The one service allowed to publish, or `'any'` for topics every service may publish to. */
  readonly publisher: ServiceName | 'any';
  readonly subscribers: readonly ServiceName[];
  /** `'store_id'` when consumers must see one store's events in publish order. */
  readonly orderingKey: 'store_id' | null;
  readonly description: string;
}

export function defineTopic<const Name extends string, Payload extends TObject>(
  definition: TopicDefinition<Name, Payload>,
): TopicDefinition<Name, Payload> {
  return definition;
}

/** Payloads reject unknown fields so a producer's typo fails at publish, not in a consumer. */
const Payload = <P extends TProperties>(properties: P) =>
  Type.Object(properties, { additionalProperties: false });

const Tier = () => Type.Enum(TIER_NAMES);
const UsageMetric = () => Type.Enum(USAGE_METRICS);
const ProductIds = (maxItems: number) => Type.Array(Uuid(), { maxItems });
const SessionId = () => Type.Union([OpaqueId(), Type.Null()]);

/** api_key.created and api_key.revoked carry the same facts about the key. */
const ApiKeyEventPayload = () =>
  Payload({
    store_id: Uuid(),
    key_id: Uuid(),
    role: RoleSchema(),
    prefix: Type.String({ minLength: 4, maxLength: 32 }),
    by_user_id: Uuid(),
  });

/** widget_key.created and widget_key.revoked carry the same facts about the key. */
const WidgetKeyEventPayload = () =>
  Payload({
    store_id: Uuid(),
    key_id: Uuid(),
    prefix: Type.String({ minLength: 4, maxLength: 32 }),
    allowed_origins: Type.Array(Url(), { minItems: 1, maxItems: 20 }),
    by_user_id: Uuid(),
  });
const ALL_SERVICES_BUT_FLAGS = [
  'gateway',
  'search',
  'sync-worker',
  'billing',
  'concierge',
  'intelligence',
  'notifier',
] as const satisfies readonly ServiceName[];

/** Trigger of a catalog sync run. */
export const SYNC_TRIGGERS = ['onboarding', 'schedule', 'manual', 'webhook'] as const;
export const SYNC_ERROR_CODES = [
  'platform_auth_failed',
  'platform_unavailable',
  'platform_rate_limited',
  'invalid_platform_response',
  'error_rate_exceeded',
  'internal',
] as const;
export type SyncErrorCode = (typeof SYNC_ERROR_CODES)[number];
export const NOTIFICATION_TEMPLATES = [
  'welcome',
  'user_invited',
  'email_verification',
  'password_reset',
  'api_key_created',
  'weekly_summary',
  'usage_alert',
  'viral_trend',
  'insight',
  'invoice',
  'payment_failed',
  'sync_error',
] as const;
export const INSIGHT_TYPES = [
  'trend',
  'failed_searches',
  'inventory_opportunity',
  'anomaly',
  'revenue',
] as const;

const onboarding = [
  defineTopic({
    name: 'store.created',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      company: Type.String({ minLength: 1, maxLength: 200 }),
      tier: Tier(),
      owner_user_id: Uuid(),
      billing_email: Email(),
      time_zone: TimeZone(),
      created_at: DateTime(),
    }),
    publisher: 'gateway',
    subscribers: ['search', 'billing', 'notifier', 'flags'],
    orderingKey: 'store_id',
    description:
      'A merchant signed up. Search sets up its search settings, billing creates the payment customer ' +
      "and subscription, the notifier records the store's time zone and billing contact, flags segments the store by tier.",
  }),
  defineTopic({
    name: 'store.tier_changed',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      from_tier: Tier(),
      to_tier: Tier(),
      changed_by_user_id: Uuid(),
    }),
    publisher: 'gateway',
    subscribers: ['billing', 'flags'],
    orderingKey: 'store_id',
    description: 'The merchant changed plan; billing prorates the subscription, flags re-segments the store.',
  }),
  defineTopic({
    name: 'store.platform_selected',
    version: 1,
    payload: Payload({ store_id: Uuid(), platform: PlatformSchema(), selected_by_user_id: Uuid() }),
    publisher: 'gateway',
    subscribers: ['sync-worker'],
    orderingKey: 'store_id',
    description: 'The merchant chose the e-commerce platform; the sync worker prepares the connection.',
  }),
  defineTopic({
    name: 'store.settings_updated',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      changed: Type.Array(
        Type.Enum(['company', 'billing_email', 'time_zone', 'search_confidence_threshold']),
        { minItems: 1, uniqueItems: true },
      ),
      /** The current value of every setting, so consumers never call back for it. */
      settings: Payload({
        company: Type.String({ minLength: 1, maxLength: 200 }),
        billing_email: Email(),
        time_zone: TimeZone(),
        search_confidence_threshold: Ratio(),
      }),
      changed_by_user_id: Uuid(),
    }),
    publisher: 'gateway',
    subscribers: ['billing', 'notifier', 'search'],
    orderingKey: 'store_id',
    description:
      'Store settings changed; billing updates the customer email, the notifier the time zone, search ' +
      'the confidence threshold below which it hands a search to a concierge.',
  }),
  defineTopic({
    name: 'user.created',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      user_id: Uuid(),
      email: Email(),
      role: RoleSchema(),
      invited_by_user_id: NullableUuid(),
    }),
    publisher: 'gateway',
    subscribers: ['notifier'],
    orderingKey: 'store_id',
    description: 'A dashboard user was created (the owner at signup, or an invited teammate).',
  }),
  defineTopic({
    name: 'api_key.created',
    version: 1,
    payload: ApiKeyEventPayload(),
    publisher: 'gateway',
    subscribers: ['notifier'],
    orderingKey: 'store_id',
    description: 'An API key was issued; the notifier sends the security notice to the store admins.',
  }),
  defineTopic({
    name: 'api_key.revoked',
    version: 1,
    payload: ApiKeyEventPayload(),
    publisher: 'gateway',
    subscribers: [],
    orderingKey: 'store_id',
    description: 'An API key was revoked (kept in the audit log; no service caches API keys).',
  }),
  defineTopic({
    name: 'widget_key.created',
    version: 1,
    payload: WidgetKeyEventPayload(),
    publisher: 'gateway',
    subscribers: ['sync-worker'],
    orderingKey: 'store_id',
    description:
      'A widget key (origin-bound, embeddable in the store page) was issued; the sync worker counts ' +
      "the onboarding's snippet step done.",
  }),
  defineTopic({
    name: 'widget_key.revoked',
    version: 1,
    payload: WidgetKeyEventPayload(),
    publisher: 'gateway',
    subscribers: [],
    orderingKey: 'store_id',
    description: 'A widget key was revoked; widget tokens minted from it stop verifying at the gateway.',
  }),
  defineTopic({
    name: 'onboarding.catalog_indexed',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      platform: PlatformSchema(),
      /** The shop the widget goes into (Shopify domain, WooCommerce site, feed link), if known. */
      storefront_url: Type.Union([Url(), Type.Null()]),
      products_indexed: Count(),
      products_failed: Count(),
    }),
    publisher: 'sync-worker',
    subscribers: ['gateway'],
    orderingKey: 'store_id',
    description:
      'The first import is indexed and its quality report written; the gateway issues the widget key ' +
      'for the snippet (bound to the storefront) unless the store already has one.',
  }),
  defineTopic({
    name: 'onboarding.completed',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      platform: PlatformSchema(),
      products_indexed: Count(),
      products_failed: Count(),
      products_without_images: Count(),
      duration_ms: Count(),
    }),
    publisher: 'sync-worker',
    subscribers: ['gateway', 'notifier', 'intelligence'],
    orderingKey: 'store_id',
    description:
      'The first catalog import is indexed and search is live: the gateway marks the store live, ' +
      'the notifier sends the welcome email, intelligence starts tracking the store.',
  }),
];

const search = [
  defineTopic({
    name: 'search.performed',
    version: 1,
    payload: Payload({
      search_id: Uuid(),
      store_id: Uuid(),
      kind: Type.Enum(SEARCH_KINDS),
      query_text: Type.Union([Type.String({ maxLength: 500 }), Type.Null()]),
      latency_ms: Count(),
      result_product_ids: ProductIds(100),
      top_score: Type.Union([Ratio(), Type.Null()]),
      confidence: Ratio(),
      zero_results: Type.Boolean(),
      filters: Type.Record(
        Type.String({ maxLength: 64 }),
        Type.Union([Type.String(), Type.Number(), Type.Boolean()]),
      ),
      image_hash: Type.Union([Sha256Hex(), Type.Null()]),
      session_id: SessionId(),
    }),
    publisher: 'search',
    subscribers: ['analytics-writer', 'billing', 'intelligence'],
    orderingKey: null,
    description: 'A search was answered: analytics stores it, billing meters it, intelligence mines it.',
  }),
  defineTopic({
    name: 'search.result_clicked',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      search_id: Uuid(),
      product_id: Uuid(),
      position: Count(),
      session_id: SessionId(),
    }),
    publisher: 'search',
    subscribers: ['analytics-writer', 'intelligence'],
    orderingKey: null,
    description: 'The tracking SDK reported a click on a search result.',
  }),
  defineTopic({
    name: 'search.add_to_cart',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      search_id: Uuid(),
      product_id: Uuid(),
      quantity: Type.Integer({ minimum: 1 }),
      session_id: SessionId(),
    }),
    publisher: 'search',
    subscribers: ['analytics-writer', 'intelligence'],
    orderingKey: null,
    description: 'The tracking SDK reported an add-to-cart that followed a search result.',
  }),
  defineTopic({
    name: 'concierge.requested',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      search_id: Uuid(),
      confidence: Ratio(),
      threshold: Ratio(),
      image_ref: Type.String({ minLength: 1, maxLength: 1024 }),
      candidate_product_ids: ProductIds(50),
      session_id: OpaqueId(),
    }),
    publisher: 'search',
    subscribers: ['concierge'],
    orderingKey: null,
    description: 'Search confidence fell below the threshold and the shopper asked for a human expert.',
  }),
];

const SyncCounts = () => Payload({ added: Count(), updated: Count(), deleted: Count(), failed: Count() });
const SyncTrigger = () => Type.Enum(SYNC_TRIGGERS);

const catalog = [
  defineTopic({
    name: 'catalog.sync_requested',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      trigger: Type.Enum(['manual', 'webhook']),
      mode: Type.Enum(['incremental', 'full']),
      requested_by_user_id: NullableUuid(),
    }),
    publisher: 'gateway',
    subscribers: ['sync-worker'],
    orderingKey: 'store_id',
    description: 'A sync was asked for at the edge ("Sync now" in the dashboard, or a platform webhook).',
  }),
  defineTopic({
    name: 'catalog.sync_completed',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      run_id: Uuid(),
      trigger: SyncTrigger(),
      counts: SyncCounts(),
      duration_ms: Count(),
    }),
    publisher: 'sync-worker',
    subscribers: ['intelligence'],
    orderingKey: 'store_id',
    description: 'A sync run finished; intelligence compares the fresh catalog with demand.',
  }),
  defineTopic({
    name: 'catalog.sync_failed',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      run_id: Uuid(),
      trigger: SyncTrigger(),
      error: Payload({ code: Type.Enum(SYNC_ERROR_CODES), message: Type.String({ maxLength: 2000 }) }),
      error_rate: Ratio(),
      counts: SyncCounts(),
    }),
    publisher: 'sync-worker',
    subscribers: ['notifier'],
    orderingKey: 'store_id',
    description: 'A sync run failed or exceeded the error-rate limit; the notifier alerts the tech contacts.',
  }),
  defineTopic({
    name: 'catalog.products_changed',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      run_id: NullableUuid(),
      upserted: Type.Array(
        Payload({
          product_id: Uuid(),
          external_id: OpaqueId(),
          title: Type.String({ minLength: 1, maxLength: 500 }),
          description: Type.String({ maxLength: 10_000 }),
          url: Type.Union([Url(), Type.Null()]),
          price: Type.Union([
            Payload({ amount_minor: Count(), currency: Type.String({ pattern: '^[A-Z]{3}$' }) }),
            Type.Null(),
          ]),
          categories: Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 20 }),
          in_stock: Type.Boolean(),
          content_hash: Sha256Hex(),
          image_urls: Type.Array(Url(), { maxItems: 20 }),
          changed_images: Type.Boolean(),
        }),
        { maxItems: 100 },
      ),
      deleted: ProductIds(1000),
    }),
    publisher: 'sync-worker',
    subscribers: ['search'],
    orderingKey: 'store_id',
    description:
      'A batch of catalog changes (≤ 100 upserts). Search re-embeds products whose images changed ' +
      'and drops deleted ones; ordered per store so a delete never overtakes the upsert before it.',
  }),
  defineTopic({
    name: 'catalog.indexing_progress',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      run_id: NullableUuid(),
      indexed: Count(),
      total: Count(),
      failed: Count(),
    }),
    publisher: 'search',
    subscribers: ['sync-worker'],
    orderingKey: 'store_id',
    description: 'Embedding progress for a sync run; the sync worker completes onboarding when it is done.',
  }),
];

const billing = [
  defineTopic({
    name: 'billing.customer_created',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      stripe_customer_id: Type.String({ minLength: 1, maxLength: 255 }),
      stripe_subscription_id: Type.String({ minLength: 1, maxLength: 255 }),
      tier: Tier(),
    }),
    publisher: 'billing',
    subscribers: ['gateway'],
    orderingKey: 'store_id',
    description: 'The payment customer and subscription exist; the gateway marks billing as set up.',
  }),
  defineTopic({
    name: 'usage.recorded',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      metric: UsageMetric(),
      quantity: Count(),
      period_start: DateOnly(),
      period_end: DateOnly(),
    }),
    publisher: 'billing',
    subscribers: ['analytics-writer'],
    orderingKey: 'store_id',
    description: "A period's metered usage was reported to the payment provider.",
  }),
  defineTopic({
    name: 'invoice.created',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      invoice_id: Uuid(),
      period_start: DateOnly(),
      period_end: DateOnly(),
      currency: Type.Literal('usd'),
      base_fee_cents: Cents(),
      usage_fee_cents: Cents(),
      total_cents: Cents(),
      search_count: Count(),
      hosted_invoice_url: Type.Union([Url(), Type.Null()]),
    }),
    publisher: 'billing',
    subscribers: ['notifier'],
    orderingKey: 'store_id',
    description: 'The billing run finalized an invoice; the notifier emails it to the billing contact.',
  }),
  defineTopic({
    name: 'invoice.paid',
    version: 1,
    payload: Payload({ store_id: Uuid(), invoice_id: Uuid(), amount_cents: Cents(), paid_at: DateTime() }),
    publisher: 'billing',
    subscribers: ['gateway', 'notifier'],
    orderingKey: 'store_id',
    description: 'An invoice was paid (payment webhook); the gateway lifts any payment hold.',
  }),
  defineTopic({
    name: 'invoice.payment_failed',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      invoice_id: Uuid(),
      amount_cents: Cents(),
      attempt: Type.Integer({ minimum: 1 }),
      next_retry_at: Type.Union([DateTime(), Type.Null()]),
      failure_code: Type.Union([Type.String({ maxLength: 100 }), Type.Null()]),
    }),
    publisher: 'billing',
    subscribers: ['gateway', 'notifier'],
    orderingKey: 'store_id',
    description:
      'A payment attempt failed (dunning); the notifier sends the retry email, the gateway puts the ' +
      'store on hold after the last attempt (next_retry_at null).',
  }),
  defineTopic({
    name: 'usage.threshold_reached',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      metric: UsageMetric(),
      used: Count(),
      quota: Count(),
      percent: Type.Integer({ minimum: 1, maximum: 100 }),
      period_start: DateOnly(),
    }),
    publisher: 'billing',
    subscribers: ['notifier'],
    orderingKey: 'store_id',
    description: 'A store crossed an alert threshold of its monthly quota (once per threshold and period).',
  }),
];

const concierge = [
  defineTopic({
    name: 'concierge.claimed',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      ticket_id: Uuid(),
      search_id: Uuid(),
      agent_id: Uuid(),
      wait_ms: Count(),
    }),
    publisher: 'concierge',
    subscribers: ['search'],
    orderingKey: 'store_id',
    description:
      'An expert accepted the ticket; search tells the waiting shopper. Chat messages stay on the ' +
      "concierge service's live channel, not on the bus.",
  }),
  defineTopic({
    name: 'concierge.resolved',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      ticket_id: Uuid(),
      search_id: Uuid(),
      agent_id: NullableUuid(),
      outcome: Type.Enum(['picks_sent', 'no_match', 'abandoned', 'expired']),
      picks: Type.Array(
        Payload({
          product_id: Uuid(),
          rank: Type.Integer({ minimum: 1 }),
          note: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
        }),
        { maxItems: 20 },
      ),
      handback_note: Type.Union([Type.String({ maxLength: 4000 }), Type.Null()]),
      duration_ms: Count(),
    }),
    publisher: 'concierge',
    subscribers: ['search', 'intelligence'],
    orderingKey: 'store_id',
    description:
      'The session ended and is handed back to the AI with the expert picks and notes; intelligence ' +
      'keeps it as a labelled example of a hard search.',
  }),
  defineTopic({
    name: 'concierge.premium_usage',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      ticket_id: Uuid(),
      sessions: Type.Integer({ minimum: 1 }),
      duration_ms: Count(),
    }),
    publisher: 'concierge',
    subscribers: ['billing'],
    orderingKey: 'store_id',
    description: 'A billable expert session for the Enterprise concierge allowance.',
  }),
];

const intelligence = [
  defineTopic({
    name: 'insight.generated',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      insight_id: Uuid(),
      analysis_run_id: Uuid(),
      type: Type.Enum(INSIGHT_TYPES),
      metric: Type.String({ minLength: 1, maxLength: 100 }),
      title: Type.String({ minLength: 1, maxLength: 200 }),
      action: Type.String({ minLength: 1, maxLength: 1000 }),
      confidence: Ratio(),
      revenue_potential_cents: Type.Union([Cents(), Type.Null()]),
    }),
    publisher: 'intelligence',
    subscribers: ['notifier'],
    orderingKey: null,
    description: 'An actionable insight for a store dashboard; the notifier collects it for Weekly Wins.',
  }),
  defineTopic({
    name: 'trend.detected',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      trend_id: Uuid(),
      keyword: Type.String({ minLength: 1, maxLength: 200 }),
      source: Type.Enum(['searches', 'social']),
      velocity: Type.Number({ minimum: 0 }),
      revenue_potential_cents: Type.Union([Cents(), Type.Null()]),
      matching_product_ids: ProductIds(50),
    }),
    publisher: 'intelligence',
    subscribers: ['notifier'],
    orderingKey: null,
    description: 'A viral or fast-rising trend relevant to a store; the notifier sends a real-time alert.',
  }),
  defineTopic({
    name: 'analysis.completed',
    version: 1,
    payload: Payload({
      run_id: Uuid(),
      job: Type.Enum([
        'daily-analysis',
        'trend-detection',
        'anomaly-detection',
      ] as const satisfies readonly JobName[]),
      stores_analyzed: Count(),
      insights_generated: Count(),
      duration_ms: Count(),
    }),
    publisher: 'intelligence',
    subscribers: [],
    orderingKey: null,
    description: 'A platform-level analysis run finished (envelope store_id is null).',
  }),
];

const NotificationRecipient = () =>
  Type.Union([
    Payload({ kind: Type.Literal('user'), user_id: Uuid() }),
    Payload({ kind: Type.Literal('role'), role: RoleSchema() }),
    Payload({ kind: Type.Literal('email'), email: Email() }),
  ]);
const Channel = () => Type.Enum(NOTIFICATION_CHANNELS);
const Template = () => Type.Enum(NOTIFICATION_TEMPLATES);

const notifier = [
  defineTopic({
    name: 'notification.requested',
    version: 1,
    payload: Payload({
      store_id: NullableUuid(),
      template: Template(),
      channels: Type.Array(Channel(), { minItems: 1, uniqueItems: true }),
      recipients: Type.Array(NotificationRecipient(), { minItems: 1, maxItems: 100 }),
      data: Type.Record(Type.String(), Type.Unknown()),
    }),
    publisher: 'any',
    subscribers: ['notifier'],
    orderingKey: null,
    description:
      'A direct notification request from any service, for messages that no domain event carries ' +
      '(verification codes, password resets). Domain events are routed by the notifier itself.',
  }),
  defineTopic({
    name: 'notification.delivered',
    version: 1,
    payload: Payload({
      notification_id: Uuid(),
      store_id: NullableUuid(),
      template: Template(),
      channel: Channel(),
      provider_message_id: Type.Union([Type.String({ maxLength: 255 }), Type.Null()]),
    }),
    publisher: 'notifier',
    subscribers: ['analytics-writer'],
    orderingKey: null,
    description: 'A provider accepted a notification.',
  }),
  defineTopic({
    name: 'notification.failed',
    version: 1,
    payload: Payload({
      notification_id: Uuid(),
      store_id: NullableUuid(),
      template: Template(),
      channel: Channel(),
      error_code: Type.Enum(['provider_rejected', 'provider_unavailable', 'invalid_recipient', 'suppressed']),
      attempts: Type.Integer({ minimum: 1 }),
      dead_lettered: Type.Boolean(),
    }),
    publisher: 'notifier',
    subscribers: ['analytics-writer'],
    orderingKey: null,
    description: 'A notification attempt failed; dead_lettered when retries are exhausted.',
  }),
];

const flags = [
  defineTopic({
    name: 'flag.changed',
    version: 1,
    payload: Payload({
      flag_key: FlagKey(),
      store_id: NullableUuid(),
      change: Type.Enum(['created', 'updated', 'archived', 'override_set', 'override_removed']),
      revision: Type.Integer({ minimum: 1 }),
      changed_by_user_id: NullableUuid(),
    }),
    publisher: 'flags',
    subscribers: [...ALL_SERVICES_BUT_FLAGS],
    orderingKey: null,
    description:
      'A flag, rollout or override changed (store_id null for a global change); every service drops ' +
      'its cached evaluation and keeps the highest revision it has seen.',
  }),
  defineTopic({
    name: 'flag.exposure',
    version: 1,
    payload: Payload({
      store_id: Uuid(),
      flag_key: FlagKey(),
      experiment_id: NullableUuid(),
      variant: Type.String({ minLength: 1, maxLength: 64 }),
      subject_key: OpaqueId(),
    }),
    publisher: 'flags',
    subscribers: ['analytics-writer', 'flags'],
    orderingKey: null,
    description: 'A subject saw a flag variant; feeds the analytics pipeline and experiment analysis.',
  }),
];

function catalogOf<const T extends readonly TopicDefinition[]>(
  topics: T,
): { readonly [D in T[number] as D['name']]: D } {
  return Object.fromEntries(topics.map((topic) => [topic.name, topic])) as never;
}

export const TOPICS = catalogOf([
  ...onboarding,
  ...search,
  ...catalog,
  ...billing,
  ...concierge,
  ...intelligence,
  ...notifier,
  ...flags,
] as const);

export type TopicName = keyof typeof TOPICS;
export type TopicPayload<T extends TopicName> = Static<(typeof TOPICS)[T]['payload']>;
export const TOPIC_NAMES = Object.keys(TOPICS) as TopicName[];

export function isTopicName(name: string): name is TopicName {
  return Object.hasOwn(TOPICS, name);
}

/** Whether `service` may publish to `topic` (the outbox checks this before writing). */
export function canPublish(topic: TopicName, service: ServiceName): boolean {
  const { publisher } = TOPICS[topic];
  return publisher === 'any' || publisher === service;
}
