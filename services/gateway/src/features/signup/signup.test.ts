import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditActions,
  expectProblem,
  PASSWORD,
  SETUP_TIMEOUT_MS,
  startTestGateway,
  type TestGateway,
  uniqueEmail,
} from '../../../test/harness.ts';
import { findLogin } from '../auth/credential-lookup.ts';

describe('signup', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const signup = (
    payload: Record<string, unknown>,
    headers: Record<string, string> = {},
    remoteAddress?: string,
  ) =>
    gateway.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload,
      headers,
      ...(remoteAddress ? { remoteAddress } : {}),
    });
  const valid = () => ({ email: uniqueEmail(), password: PASSWORD, company: 'Acme', tier: 'growth' });

  it('lists the tiers from the catalog', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/v1/tiers' });
    expect(response.statusCode).toBe(200);
    const starter = response.json().tiers.find((t: { name: string }) => t.name === 'starter');
    expect(starter).toMatchObject({
      monthly_price_cents: 2900,
      search_price_micro_usd: 10_000,
      api_requests_per_minute: 120,
    });
    expect(response.json().tiers.map((t: { name: string }) => t.name)).toEqual([
      'starter',
      'growth',
      'enterprise',
    ]);
  });

  it('creates store, owner, session, audit entries and events carrying the request id', async () => {
    const body = { ...valid(), time_zone: 'America/Argentina/Buenos_Aires' };
    const response = await signup(body, { 'x-request-id': 'req-signup-events' });
    expect(response.statusCode).toBe(201);
    const { store, user } = response.json();
    expect(store).toMatchObject({
      tier: 'growth',
      time_zone: 'America/Argentina/Buenos_Aires',
      billing_email: body.email,
    });

    const login = await findLogin(gateway.db, body.email);
    expect(login?.password_hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);

    const created = await gateway.waitForEvent('store.created', (e) => e.store_id === store.id);
    expect(created).toMatchObject({
      source: 'gateway',
      correlation_id: 'req-signup-events',
      payload: { store_id: store.id, owner_user_id: user.id, tier: 'growth', billing_email: body.email },
    });
    const userCreated = await gateway.waitForEvent('user.created', (e) => e.store_id === store.id);
    expect(userCreated).toMatchObject({
      correlation_id: 'req-signup-events',
      payload: { user_id: user.id, role: 'owner', invited_by_user_id: null },
    });
    expect(await auditActions(gateway, store.id)).toEqual(['store.created', 'user.created']);
  });

  it.each([
    ['a short password', { password: 'short' }, '/body/password'],
    ['an unknown tier', { tier: 'platinum' }, '/body/tier'],
    ['a blank company', { company: '   ' }, '/body/company'],
    ['a non-existent time zone', { time_zone: 'Mars/Olympus_Mons' }, '/body/time_zone'],
    ['a malformed email', { email: 'not-an-email@' }, '/body/email'],
    ['an unknown field', { coupon: 'FREE' }, '/body'],
  ])('rejects %s with 400 naming the field', async (_label, change, path) => {
    const response = await signup({ ...valid(), ...change });
    expectProblem(response, 400, 'validation_failed');
    expect(response.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  });

  it('treats emails case- and space-insensitively', async () => {
    const email = uniqueEmail();
    expect((await signup({ ...valid(), email })).statusCode).toBe(201);
    expectProblem(await signup({ ...valid(), email: ` ${email.toUpperCase()}  ` }), 409, 'email_taken');
  });

  it('lets exactly one of 50 concurrent signups with one email through', async () => {
    const email = uniqueEmail('race');
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        signup({ ...valid(), email }, {}, `10.0.${Math.floor(i / 200)}.${i + 1}`),
      ),
    );
    const statuses = responses.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(49);
    for (const response of responses.filter((r) => r.statusCode === 409))
      expectProblem(response, 409, 'email_taken');

    const winner = responses.find((r) => r.statusCode === 201)!.json();
    const stores = await gateway.core.withStore(winner.store.id, (trx) =>
      trx.selectFrom('core.users').select('id').where('email', '=', email).execute(),
    );
    expect(stores).toHaveLength(1);
    // The losers' stores were rolled back with their users: no orphan store, no event for them.
    await gateway.waitForEvent('store.created', (e) => e.store_id === winner.store.id);
    const createdForEmail = gateway.events.filter(
      (e) =>
        e.event_type === 'store.created' && (e.payload as { billing_email: string }).billing_email === email,
    );
    expect(createdForEmail).toHaveLength(1);
  });

  it('limits signups per client IP', async () => {
    const limited = await gateway.buildApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '2' } });
    const attempt = () =>
      limited.inject({ method: 'POST', url: '/v1/signup', payload: valid(), remoteAddress: '192.0.2.7' });
    expect((await attempt()).statusCode).toBe(201);
    expect((await attempt()).statusCode).toBe(201);
    const refused = await attempt();
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Another client is not affected.
    const other = await limited.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: valid(),
      remoteAddress: '192.0.2.8',
    });
    expect(other.statusCode).toBe(201);
  });
});
