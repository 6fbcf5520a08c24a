// Every route the gateway registers — collected while the app is built, so a new route
// cannot escape — is fed bad input and bad credentials. Each must answer 4xx
// problem+json, never 5xx, and never act on another store's rows.
import { ERROR_CODES } from '@nlyzer/service-kit';
import type { InjectOptions, LightMyRequestResponse as Response, RouteOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashSecret } from '../src/credentials.ts';
import {
  addMember,
  bearer,
  createApiKey,
  PASSWORD,
  SETUP_TIMEOUT_MS,
  signUp,
  startTestGateway,
  type TestGateway,
} from './harness.ts';

/** The parts of a route's JSON schema this test reads. */
interface Schema {
  type?: string;
  properties?: Record<string, Schema>;
  anyOf?: Schema[];
}

interface Route {
  method: string;
  url: string;
  allow: readonly string[] | undefined;
  /** Answered by another service: the gateway checks credentials, the service the input. */
  forwarded: boolean;
  body: Schema | undefined;
  querystring: Schema | undefined;
}

/** Methods whose bodies Fastify parses; a GET's body is ignored, so it can only be "not 5xx". */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function flatten(routes: RouteOptions[]): Route[] {
  return routes
    .filter((route) => route.url.startsWith('/v1/'))
    .flatMap((route) =>
      [route.method].flat().map((method) => ({
        method: String(method),
        url: route.url,
        allow: route.config?.allow,
        forwarded: route.config?.forwardedTo !== undefined,
        body: route.schema?.body as Schema | undefined,
        querystring: route.schema?.querystring as Schema | undefined,
      })),
    );
}

/** The object schema of a body (a union such as "object or nothing" included). */
function objectSchema(
  schema: Schema | undefined,
): (Schema & { properties: Record<string, Schema> }) | undefined {
  if (!schema) return undefined;
  if (schema.properties) return schema as Schema & { properties: Record<string, Schema> };
  return schema.anyOf?.find((member) => member.properties) as
    | (Schema & { properties: Record<string, Schema> })
    | undefined;
}

function wrongTypeFor(property: Schema): unknown {
  switch (property.type) {
    case 'string':
      return 12345;
    case 'number':
    case 'integer':
      return 'not a number';
    case 'boolean':
      return 'yes';
    case 'array':
      return 'not an array';
    case 'object':
      return 'not an object';
    default:
      return { unexpected: ['structure'] };
  }
}

describe('every gateway route refuses bad input and bad credentials with 4xx problem+json', () => {
  let gateway: TestGateway;
  let routes: Route[];
  let ownerA: string;
  let expiredA: string;
  let apiKeyB: string;
  /** Store A's resources, by route: the ids another store's key must not reach. */
  let resourceIds: Record<string, string>;

  beforeAll(async () => {
    // The per-store limit has its own test; here one store makes hundreds of requests.
    gateway = await startTestGateway({ parts: { storeRequestsPerMinute: () => 1_000_000 } });
    routes = flatten(gateway.routes);

    const a = await signUp(gateway, { tier: 'growth' });
    ownerA = a.token;
    const analyst = await addMember(gateway, a.token, 'analyst');
    const keyA = await createApiKey(gateway, a.token);
    const widgetKeyA = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget-keys',
      headers: bearer(a.token),
      payload: { allowed_origins: ['https://a.example'] },
    });
    resourceIds = {
      '/v1/team/:userId': analyst.userId,
      '/v1/api-keys/:id': keyA.id,
      '/v1/widget-keys/:id': widgetKeyA.json().widget_key.id,
      '/v1/widget-keys/:id/snippet': widgetKeyA.json().widget_key.id,
    };

    const login = await gateway.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: a.email, password: PASSWORD },
    });
    expiredA = login.json().session.token;
    await gateway.core.withStore(a.storeId, (trx) =>
      trx
        .updateTable('core.sessions')
        .set({ expires_at: new Date(Date.now() - 60_000) })
        .where('token_hash', '=', hashSecret(expiredA))
        .execute(),
    );

    const b = await signUp(gateway);
    apiKeyB = (await createApiKey(gateway, b.token, 'admin')).key;
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  function urlOf(route: Route, param?: string): string {
    if (!route.url.includes(':')) return route.url;
    const id = param ?? resourceIds[route.url];
    if (!id) throw new Error(`add a store-A resource for ${route.url} to the robustness test`);
    return route.url.replace(/:[A-Za-z]+/g, id);
  }

  /** Sends one request per route and returns the routes whose answer broke the rule. */
  async function check(
    applies: (route: Route) => boolean,
    request: (route: Route) => InjectOptions[],
    expected: (route: Route, response: Response) => string | null,
  ): Promise<string[]> {
    const failures: string[] = [];
    const covered = routes.filter(applies);
    expect(covered.length).toBeGreaterThan(0);
    for (const route of covered) {
      for (const options of request(route)) {
        const response = await gateway.app.inject({
          method: route.method as 'GET',
          url: urlOf(route),
          ...options,
        });
        const problem = problemViolation(route, response) ?? expected(route, response);
        if (problem) failures.push(`${route.method} ${route.url}: ${problem}`);
      }
    }
    return failures;
  }

  function problemViolation(route: Route, response: Response): string | null {
    if (response.statusCode >= 500) return `answered ${response.statusCode}: ${response.body}`;
    if (response.statusCode < 400) return null;
    const type = String(response.headers['content-type'] ?? '');
    if (!type.startsWith('application/problem+json'))
      return `${response.statusCode} without problem+json (${type})`;
    if (route.method === 'HEAD') return null;
    const body = response.json();
    if (body.status !== response.statusCode) return `problem status ${body.status} != ${response.statusCode}`;
    if (!(body.code in ERROR_CODES)) return `unknown problem code ${body.code}`;
    return null;
  }

  const is4xx = (_route: Route, response: Response) =>
    response.statusCode >= 400 && response.statusCode < 500
      ? null
      : `expected 4xx, got ${response.statusCode}`;
  const isStatus =
    (status: number, code: string) =>
    (route: Route, response: Response): string | null => {
      if (response.statusCode !== status)
        return `expected ${status} ${code}, got ${response.statusCode} ${response.body}`;
      if (route.method === 'HEAD') return null; // no body to read the code from
      return response.json().code === code ? null : `expected ${code}, got ${response.json().code}`;
    };
  const json = { 'content-type': 'application/json' };
  const ownInput = (route: Route) => !route.forwarded;
  const asOwner = (route: Route) => (route.allow ? bearer(ownerA) : {});

  it('covers the whole gateway API', () => {
    const listed = new Set(routes.map((route) => `${route.method} ${route.url}`));
    for (const expected of [
      'GET /v1/tiers',
      'POST /v1/signup',
      'POST /v1/auth/login',
      'POST /v1/auth/logout',
      'GET /v1/me',
      'POST /v1/auth/accept-invite',
      'GET /v1/team',
      'POST /v1/team/invites',
      'PATCH /v1/team/:userId',
      'DELETE /v1/team/:userId',
      'POST /v1/api-keys',
      'GET /v1/api-keys',
      'DELETE /v1/api-keys/:id',
      'POST /v1/widget-keys',
      'GET /v1/widget-keys',
      'DELETE /v1/widget-keys/:id',
      'GET /v1/widget-keys/:id/snippet',
      'POST /v1/widget/token',
      'OPTIONS /v1/widget/token',
      'GET /v1/store',
      'PATCH /v1/store',
      'PUT /v1/store/platform',
      'GET /v1/audit-log',
      'POST /v1/search/*',
      'OPTIONS /v1/search/*',
      'GET /v1/catalog/*',
      'PUT /v1/catalog/*',
      'GET /v1/search-settings',
      'PUT /v1/search-settings',
      'PUT /v1/catalog/products',
      'GET /v1/connection',
      'PUT /v1/connection',
      'POST /v1/connection/*',
      'GET /v1/connection/shopify/callback',
      'GET /v1/sync/*',
      'POST /v1/sync/*',
      'GET /v1/quality-report',
      'GET /v1/onboarding',
      'POST /v1/webhooks/shopify',
      'POST /v1/webhooks/woocommerce/*',
    ]) {
      expect(listed).toContain(expected);
    }
  });

  it('malformed JSON', async () => {
    const failures = await check(
      ownInput,
      (route) => [{ headers: { ...json, ...asOwner(route) }, payload: '{"email": "a@b.c", ' }],
      (route, response) => (BODY_METHODS.has(route.method) ? is4xx(route, response) : null),
    );
    expect(failures).toEqual([]);
  });

  it('a 2 MB body', async () => {
    const huge = JSON.stringify({ email: 'a@b.c', padding: 'x'.repeat(2 * 1024 * 1024) });
    const failures = await check(
      ownInput,
      (route) => [{ headers: { ...json, ...asOwner(route) }, payload: huge }],
      (route, response) =>
        BODY_METHODS.has(route.method) ? isStatus(413, 'payload_too_large')(route, response) : null,
    );
    expect(failures).toEqual([]);
  });

  it('a body that is not JSON', async () => {
    const failures = await check(
      (route) => route.body !== undefined,
      (route) => [
        {
          headers: { 'content-type': 'application/x-www-form-urlencoded', ...asOwner(route) },
          payload: 'email=a%40b.c',
        },
      ],
      is4xx,
    );
    expect(failures).toEqual([]);
  });

  it('missing fields and bodies of the wrong shape', async () => {
    const failures = await check(
      (route) => route.body !== undefined,
      (route) =>
        [{}, [], 'text', 42, true].map((payload) => ({
          headers: { ...json, ...asOwner(route) },
          payload: JSON.stringify(payload),
        })),
      is4xx,
    );
    expect(failures).toEqual([]);
  });

  it('each field with the wrong type', async () => {
    const failures = await check(
      (route) => objectSchema(route.body) !== undefined,
      (route) =>
        Object.entries(objectSchema(route.body)!.properties).map(([name, property]) => ({
          headers: { ...json, ...asOwner(route) },
          payload: JSON.stringify({ [name]: wrongTypeFor(property) }),
        })),
      is4xx,
    );
    expect(failures).toEqual([]);
  });

  it('NUL characters in any string field', async () => {
    const failures = await check(
      (route) => objectSchema(route.body) !== undefined,
      (route) =>
        Object.keys(objectSchema(route.body)!.properties).map((name) => ({
          headers: { ...json, ...asOwner(route) },
          payload: JSON.stringify({ [name]: 'a\u0000b@example.com' }),
        })),
      isStatus(400, 'validation_failed'),
    );
    expect(failures).toEqual([]);
  });

  it('query parameters of the wrong type', async () => {
    const failures = await check(
      (route) => route.querystring !== undefined,
      (route) =>
        Object.keys(route.querystring!.properties ?? {}).map((name) => ({
          headers: asOwner(route),
          query: { [name]: 'not-a-valid-value-%00' },
        })),
      isStatus(400, 'validation_failed'),
    );
    expect(failures).toEqual([]);
  });

  it('path ids that are not ids', async () => {
    const failures: string[] = [];
    for (const route of routes.filter((r) => r.url.includes(':'))) {
      for (const bad of ['not-a-uuid', '1', '%00']) {
        const response = await gateway.app.inject({
          method: route.method as 'GET',
          url: urlOf(route, bad),
          headers: { ...json, ...asOwner(route) },
          payload: JSON.stringify({ role: 'agent' }),
        });
        const problem = problemViolation(route, response) ?? is4xx(route, response);
        if (problem) failures.push(`${route.method} ${route.url} (${bad}): ${problem}`);
      }
    }
    expect(failures).toEqual([]);
  });

  const credentialCases: [string, () => Record<string, string>, number, string][] = [
    ['no credentials', () => ({}), 401, 'unauthenticated'],
    ['an expired session', () => bearer(expiredA), 401, 'credentials_expired'],
    ['a forged session token', () => bearer(`nlz_ses_${'Q'.repeat(43)}`), 401, 'unauthenticated'],
    ['a forged API key', () => ({ 'x-api-key': `nlz_sk_${'Q'.repeat(43)}` }), 401, 'unauthenticated'],
    [
      'a tampered API key',
      () => ({ 'x-api-key': `${apiKeyB.slice(0, -1)}${apiKeyB.endsWith('A') ? 'B' : 'A'}` }),
      401,
      'unauthenticated',
    ],
    ['garbage in the Authorization header', () => ({ authorization: 'Bearer' }), 401, 'unauthenticated'],
    [
      'a forged session cookie',
      () => ({ cookie: `nlz_session=nlz_ses_${'Z'.repeat(43)}` }),
      401,
      'unauthenticated',
    ],
  ];

  it.each(credentialCases)('%s', async (_label, headers, status, code) => {
    const failures = await check(
      (route) => route.allow !== undefined,
      () => [{ headers: { ...json, ...headers() }, payload: JSON.stringify({ role: 'agent' }) }],
      isStatus(status, code),
    );
    expect(failures).toEqual([]);
  });

  it("another store's API key reaching this store's resources", async () => {
    const failures = await check(
      (route) => route.allow !== undefined && route.url.includes(':'),
      () => [{ headers: { ...json, 'x-api-key': apiKeyB }, payload: JSON.stringify({ role: 'agent' }) }],
      isStatus(404, 'not_found'),
    );
    expect(failures).toEqual([]);
    // Nothing of store A was touched: its key and widget key still work, its member is still there.
    const team = await gateway.app.inject({ method: 'GET', url: '/v1/team', headers: bearer(ownerA) });
    expect(team.json().members.map((m: { id: string }) => m.id)).toContain(resourceIds['/v1/team/:userId']);
    const keys = await gateway.app.inject({ method: 'GET', url: '/v1/api-keys', headers: bearer(ownerA) });
    expect(keys.json().api_keys.every((k: { revoked_at: string | null }) => k.revoked_at === null)).toBe(
      true,
    );
  });
});
