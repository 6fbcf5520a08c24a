// The gateway on the tier's database and bus (PGlite + in-process bus, or Postgres 15 +
// the Pub/Sub emulator), with every event it publishes captured off the bus.
import {
  type BusTables,
  busMigrations,
  createConsumer,
  createOutbox,
  type EventBus,
  type Outbox,
} from '@nlyzer/bus';
import { openTierBus } from '@nlyzer/bus/testing';
import { type EventEnvelope, TOPICS, type TopicName, type TopicPayload } from '@nlyzer/contracts';
import { type Database, migrate } from '@nlyzer/db';
import { type App, createApp, createLogger, loadConfig } from '@nlyzer/service-kit';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import type { RouteOptions } from 'fastify';
import { expect } from 'vitest';
import { type GatewayParts, registerGatewayFeatures } from '../src/app.ts';
import { type GatewayConfig, gatewayConfigSchema, widgetKeySealerFor } from '../src/config.ts';
import type { CoreTables } from '../src/core-tables.ts';
import { gatewayHandlers, service } from '../src/service.ts';

export const GATEWAY_TOPICS = Object.values(TOPICS)
  .filter((topic) => topic.publisher === 'gateway')
  .map((topic) => topic.name as TopicName);

export interface TestGateway {
  app: App;
  db: Database;
  core: Database<CoreTables>;
  bus: EventBus;
  outbox: Outbox;
  config: GatewayConfig;
  /** Every route the gateway registered (HEAD twins included), in registration order. */
  routes: RouteOptions[];
  /** Envelopes the gateway published, as received from the bus. */
  events: EventEnvelope[];
  /**
   * Publishes an event as the sync worker would, for the gateway's consumers, and waits until
   * they have handled it (dead-lettered included).
   */
  publishAsSyncWorker<T extends TopicName>(
    storeId: string,
    topic: T,
    payload: TopicPayload<T>,
  ): Promise<string>;
  /** Waits until an event of `topic` matching `where` has arrived from the bus. */
  waitForEvent(topic: TopicName, where?: (e: EventEnvelope) => boolean): Promise<EventEnvelope>;
  /** Another gateway app on the same database and bus, with other settings (closed with the gateway). */
  buildApp(options?: TestGatewayOptions): Promise<App>;
  close(): Promise<void>;
}

export interface TestGatewayOptions {
  env?: Record<string, string>;
  parts?: GatewayParts;
  /** The tier's fresh database by default. */
  database?: () => Promise<TestDatabase>;
}

export async function startTestGateway(options: TestGatewayOptions = {}): Promise<TestGateway> {
  const database: TestDatabase = await (options.database ?? testDatabase)();
  const { db } = database;
  await migrate(db, [busMigrations, service.migrations]);

  const bus = openTierBus('gateway-test');
  const events: EventEnvelope[] = [];
  for (const topic of GATEWAY_TOPICS) {
    await bus.subscribe({
      name: `gateway-test.${topic}`,
      topic,
      deliver: async (delivery) => {
        events.push(JSON.parse(delivery.data) as EventEnvelope);
      },
    });
  }
  const logger = createLogger({ service: 'gateway', level: 'silent' });
  const outbox = createOutbox({ db, bus, source: 'gateway' });
  const syncWorkerOutbox = createOutbox({ db, bus, source: 'sync-worker' });
  // The consumers the runtime would subscribe, serving the gateway built with the test's config.
  for (const [topic, handle] of Object.entries(
    gatewayHandlers(widgetKeySealerFor(testConfig(options.env))),
  )) {
    await bus.subscribe(
      createConsumer({
        db,
        subscription: `gateway.${topic}`,
        topic: topic as TopicName,
        handle: handle as never,
        outbox,
        logger,
        backoff: { baseMs: 20, maxMs: 200 },
      }),
    );
  }
  outbox.start();
  syncWorkerOutbox.start();

  const apps: App[] = [];
  const buildApp = async (appOptions: TestGatewayOptions = {}, routes: RouteOptions[] = []) => {
    const config = testConfig(appOptions.env);
    const app = await createApp({ name: 'gateway', config, db, bus, outbox, logger });
    app.addHook('onRoute', (route) => {
      routes.push(route as RouteOptions);
    });
    await registerGatewayFeatures(app, { config, db, outbox }, appOptions.parts);
    await app.ready();
    apps.push(app);
    return app;
  };
  const routes: RouteOptions[] = [];
  const app = await buildApp(options, routes);

  const waitForEvent = async (topic: TopicName, where: (e: EventEnvelope) => boolean = () => true) => {
    await outbox.flush();
    const deadline = Date.now() + 20_000;
    for (;;) {
      const found = events.find((e) => e.event_type === topic && where(e));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no ${topic} event arrived`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const publishAsSyncWorker = async <T extends TopicName>(
    storeId: string,
    topic: T,
    payload: TopicPayload<T>,
  ) => {
    const eventId = await syncWorkerOutbox.withStore(storeId, (_trx, emit) => emit(topic, payload));
    await syncWorkerOutbox.flush();
    const busTables = db.as<BusTables>().kysely;
    const deadline = Date.now() + 20_000;
    for (;;) {
      const handled = await busTables
        .selectFrom('bus.processed_events')
        .select('event_id')
        .where('event_id', '=', eventId)
        .executeTakeFirst();
      if (handled) return eventId;
      const dead = await busTables
        .selectFrom('bus.dead_letters')
        .select('reason')
        .where('event_id', '=', eventId)
        .executeTakeFirst();
      if (dead) throw new Error(`${topic} ${eventId} was dead-lettered: ${dead.reason}`);
      if (Date.now() > deadline) throw new Error(`${topic} ${eventId} was not handled`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  return {
    app,
    db,
    core: db.as<CoreTables>(),
    publishAsSyncWorker,
    bus,
    outbox,
    config: testConfig(options.env),
    routes,
    events,
    waitForEvent,
    buildApp: (appOptions) => buildApp(appOptions),
    async close() {
      for (const built of apps) await built.close();
      await outbox.stop();
      await syncWorkerOutbox.stop();
      await bus.close();
      await database.cleanup();
    },
  };
}

function testConfig(env: Record<string, string> = {}): GatewayConfig {
  return loadConfig(gatewayConfigSchema, {
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    NLYZER_DATA_DIR: 'memory://',
    // Tests sign up and log in far more often than a person would; the limit has its own test.
    AUTH_RATE_LIMIT_PER_MINUTE: '10000',
    ...env,
  });
}

// ---------- requests ----------

export const PASSWORD = 'correct horse battery staple';

export interface SignedUp {
  storeId: string;
  userId: string;
  email: string;
  /** Session token of the owner. */
  token: string;
}

let emailCount = 0;
export function uniqueEmail(label = 'owner'): string {
  emailCount += 1;
  return `${label}-${emailCount}-${crypto.randomUUID().slice(0, 8)}@example.com`;
}

export async function signUp(
  gateway: TestGateway,
  body: Partial<{ email: string; company: string; tier: string; time_zone: string }> = {},
): Promise<SignedUp> {
  const email = body.email ?? uniqueEmail();
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: { email, password: PASSWORD, company: 'Acme Outfitters', tier: 'starter', ...body },
  });
  if (response.statusCode !== 201) throw new Error(`signup failed: ${response.statusCode} ${response.body}`);
  const json = response.json();
  return { storeId: json.store.id, userId: json.user.id, email: json.user.email, token: json.session.token };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export async function createApiKey(
  gateway: TestGateway,
  token: string,
  role: 'admin' | 'analyst' = 'admin',
): Promise<{ id: string; key: string }> {
  const response = await gateway.app.inject({
    method: 'POST',
    url: '/v1/api-keys',
    headers: bearer(token),
    payload: { name: `${role} key`, role },
  });
  if (response.statusCode !== 201) throw new Error(`api key failed: ${response.statusCode} ${response.body}`);
  return { id: response.json().api_key.id, key: response.json().key };
}

/** Invites `role` and accepts; returns the new member's session token and id. */
export async function addMember(
  gateway: TestGateway,
  ownerToken: string,
  role: 'owner' | 'admin' | 'analyst' | 'agent',
): Promise<{ userId: string; token: string; email: string }> {
  const email = uniqueEmail(role);
  const invite = await gateway.app.inject({
    method: 'POST',
    url: '/v1/team/invites',
    headers: bearer(ownerToken),
    payload: { email, role },
  });
  if (invite.statusCode !== 201) throw new Error(`invite failed: ${invite.statusCode} ${invite.body}`);
  const accepted = await gateway.app.inject({
    method: 'POST',
    url: '/v1/auth/accept-invite',
    payload: { token: invite.json().token, password: PASSWORD },
  });
  if (accepted.statusCode !== 201) throw new Error(`accept failed: ${accepted.statusCode} ${accepted.body}`);
  return { userId: accepted.json().user.id, token: accepted.json().session.token, email };
}

export async function auditActions(gateway: TestGateway, storeId: string): Promise<string[]> {
  const rows = await gateway.core.withStore(storeId, (trx) =>
    trx.selectFrom('core.audit_log').select('action').orderBy('id').execute(),
  );
  return rows.map((row) => row.action);
}

/** A problem+json answer with the given status and code. */
export function expectProblem(
  response: {
    statusCode: number;
    headers: Record<string, unknown>;
    json(): { status?: number; code?: string };
    body: string;
  },
  status: number,
  code?: string,
): void {
  expect({ status: response.statusCode, body: response.body }).toMatchObject({ status });
  expect(String(response.headers['content-type'])).toMatch(/^application\/problem\+json/);
  const problem = response.json();
  expect(problem.status).toBe(status);
  if (code) expect(problem.code).toBe(code);
}

/** PGlite's WASM start-up alone can take seconds on a loaded 2-core machine. */
export const SETUP_TIMEOUT_MS = 120_000;
