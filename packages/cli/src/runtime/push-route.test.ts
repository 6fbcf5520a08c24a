import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInProcessBus, createOutbox, type Delivery } from '@nlyzer/bus';
import {
  type App,
  baseConfigSchema,
  ConfigError,
  createApp,
  createLogger,
  loadConfig,
} from '@nlyzer/service-kit';
import { type TestDatabase, testDatabase } from '@nlyzer/testing';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadCommandConfig } from './cli-config.ts';
import { PUSH_PATH, pushAuthOf, pushRoute } from './push-route.ts';

const AUDIENCE = 'https://billing-abc123.a.run.app';
const PUSHER = 'nlyzer-pubsub-push@nlyzer-test.iam.gserviceaccount.com';
const logger = createLogger({ service: 'push-route-test', level: 'silent' });

type Keys = Awaited<ReturnType<typeof generateKeyPair>>;
let googleKeys: Keys;
let otherKeys: Keys;
let jwks: Server;
let test: TestDatabase;
let app: App;
const delivered: Delivery[] = [];

async function token(claims: JWTPayload = {}, keys: Keys = googleKeys, expiresAt: number | string = '1h') {
  // What Pub/Sub's oidc_token makes Google sign; a case overrides one claim.
  const payload = { iss: 'https://accounts.google.com', aud: AUDIENCE, email: PUSHER, email_verified: true };
  return new SignJWT({ ...payload, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'google-key' })
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(keys.privateKey);
}

function push(authorization?: string) {
  return app.inject({
    method: 'POST',
    url: PUSH_PATH,
    headers: authorization ? { authorization } : {},
    payload: {
      subscription: 'projects/nlyzer-test/subscriptions/billing.store.created',
      message: { data: Buffer.from('{"hello":"push"}').toString('base64'), messageId: 'm-1' },
    },
  });
}

beforeAll(async () => {
  googleKeys = await generateKeyPair('RS256');
  otherKeys = await generateKeyPair('RS256');
  const published = {
    keys: [{ ...(await exportJWK(googleKeys.publicKey)), kid: 'google-key', alg: 'RS256' }],
  };
  jwks = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(published));
  });
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/oauth2/v3/certs`;

  test = await testDatabase();
  const bus = createInProcessBus({ logger });
  const config = loadConfig(baseConfigSchema, { NODE_ENV: 'test', LOG_LEVEL: 'silent' });
  const outbox = createOutbox({ db: test.db, bus, source: 'billing', logger });
  app = await createApp({ name: 'billing', config, logger, db: test.db, bus, outbox });
  const auth = pushAuthOf(
    loadCommandConfig({
      PUBSUB_PUSH_AUDIENCE: AUDIENCE,
      PUBSUB_PUSH_SERVICE_ACCOUNT: PUSHER,
      PUBSUB_PUSH_JWKS_URL: jwksUrl,
    }),
  );
  const subscription = {
    name: 'billing.store.created',
    topic: 'store.created' as const,
    deliver: async (delivery: Delivery) => {
      delivered.push(delivery);
    },
  };
  await app.register(pushRoute, { db: test.db, subscriptions: [subscription], logger, auth });
  await app.ready();
});

afterAll(async () => {
  await app?.close();
  await test?.cleanup();
  await new Promise((resolve) => jwks?.close(resolve));
});

beforeEach(() => {
  delivered.length = 0;
});

describe('the Pub/Sub push route with a push identity', () => {
  it("delivers a push carrying the push account's Google-signed OIDC token", async () => {
    const response = await push(`Bearer ${await token()}`);
    expect(response.statusCode).toBe(204);
    expect(delivered.map((delivery) => delivery.data)).toEqual(['{"hello":"push"}']);
  });

  it.each([
    ['no token', async () => undefined],
    ['a token that is not a JWT', async () => 'Bearer not-a-jwt'],
    ['another audience', async () => `Bearer ${await token({ aud: 'https://gateway-abc123.a.run.app' })}`],
    ['another account', async () => `Bearer ${await token({ email: 'attacker@evil.example' })}`],
    ['an unverified email', async () => `Bearer ${await token({ email_verified: false })}`],
    ['another issuer', async () => `Bearer ${await token({ iss: 'https://evil.example' })}`],
    [
      'an expired token',
      async () => `Bearer ${await token({}, googleKeys, Math.floor(Date.now() / 1000) - 60)}`,
    ],
    ['a token signed by another key', async () => `Bearer ${await token({}, otherKeys)}`],
  ])('refuses a push with %s: 401 problem+json, nothing delivered', async (_case, authorization) => {
    const response = await push(await authorization());
    expect(response.statusCode).toBe(401);
    expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(response.json()).toMatchObject({ code: 'unauthenticated', status: 401 });
    expect(delivered).toEqual([]);
  });
});

describe('the push identity config', () => {
  const cloudRun = {
    NODE_ENV: 'production',
    BUS_DRIVER: 'pubsub',
    GOOGLE_CLOUD_PROJECT: 'nlyzer-test',
    INTERNAL_AUTH_SECRET: 's'.repeat(40),
  };

  it('is required in production with push delivery, naming both variables', () => {
    const error = (() => {
      try {
        loadCommandConfig(cloudRun);
      } catch (err) {
        return err;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).issues.map((issue) => issue.variable).sort()).toEqual([
      'PUBSUB_PUSH_AUDIENCE',
      'PUBSUB_PUSH_SERVICE_ACCOUNT',
    ]);
  });

  it("defaults the keys to Google's, and names no identity when unset outside production or with pull delivery", () => {
    const config = loadCommandConfig({
      ...cloudRun,
      PUBSUB_PUSH_AUDIENCE: AUDIENCE,
      PUBSUB_PUSH_SERVICE_ACCOUNT: PUSHER,
    });
    expect(pushAuthOf(config)).toEqual({
      audience: AUDIENCE,
      serviceAccount: PUSHER,
      jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
    });
    expect(pushAuthOf(loadCommandConfig({ NODE_ENV: 'development' }))).toBeNull();
    expect(pushAuthOf(loadCommandConfig({ ...cloudRun, NLYZER_PUBSUB_DELIVERY: 'pull' }))).toBeNull();
  });

  it('refuses half a push identity', () => {
    expect(() => pushAuthOf(loadCommandConfig({ PUBSUB_PUSH_AUDIENCE: AUDIENCE }))).toThrow(
      /PUBSUB_PUSH_SERVICE_ACCOUNT: is required when PUBSUB_PUSH_AUDIENCE is set/,
    );
  });
});
