import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  auditActions,
  bearer,
  createApiKey,
  expectProblem,
  PASSWORD,
  SETUP_TIMEOUT_MS,
  signUp,
  startTestGateway,
  type TestGateway,
} from '../../../test/harness.ts';
import { hashSecret } from '../../credentials.ts';

describe('sessions and authentication', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const me = (headers: Record<string, string>) =>
    gateway.app.inject({ method: 'GET', url: '/v1/me', headers });
  const login = (email: string, password: string) =>
    gateway.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email, password } });

  it('answers a wrong password and an unknown email identically', async () => {
    const { email } = await signUp(gateway);
    const wrongPassword = await login(email, 'not the password at all');
    const unknownEmail = await login('nobody-here@example.com', PASSWORD);
    expectProblem(wrongPassword, 401, 'invalid_credentials');
    expectProblem(unknownEmail, 401, 'invalid_credentials');
    expect(wrongPassword.json().detail).toBe(unknownEmail.json().detail);
  });

  it('accepts the session as bearer token and as cookie, and logs out', async () => {
    const { email, storeId } = await signUp(gateway);
    const response = await login(email.toUpperCase(), PASSWORD);
    expect(response.statusCode).toBe(200);
    const token = response.json().session.token;
    const cookie = response.cookies.find((c) => c.name === 'nlz_session');
    expect(cookie).toMatchObject({ value: token, httpOnly: true, sameSite: 'Lax', path: '/' });
    // Not Secure outside production, so http://localhost development works.
    expect(cookie?.secure).toBeFalsy();

    const viaCookie = await me({ cookie: `nlz_session=${token}` });
    expect(viaCookie.json()).toMatchObject({
      principal: { kind: 'session', store_id: storeId, role: 'owner' },
      user: { email },
    });
    expect((await me(bearer(token))).statusCode).toBe(200);

    // Only the hash is stored.
    const stored = await gateway.core.withStore(storeId, (trx) =>
      trx.selectFrom('core.sessions').select('token_hash').execute(),
    );
    expect(stored.map((s) => s.token_hash)).toContain(hashSecret(token));
    expect(JSON.stringify(stored)).not.toContain(token);

    const logout = await gateway.app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(token),
    });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((c) => c.name === 'nlz_session')?.value).toBe('');
    expectProblem(await me(bearer(token)), 401, 'unauthenticated');
    expect(await auditActions(gateway, storeId)).toEqual(
      expect.arrayContaining(['session.created', 'session.ended']),
    );
  });

  it('marks a production cookie Secure', async () => {
    const production = await gateway.buildApp({
      env: {
        NODE_ENV: 'production',
        WIDGET_TOKEN_SECRET: 'x'.repeat(40),
        INTERNAL_AUTH_SECRET: 'y'.repeat(40),
        WIDGET_KEY_SEALING_SECRET: 'z'.repeat(40),
        AUTH_RATE_LIMIT_PER_MINUTE: '100',
      },
    });
    const { email } = await signUp(gateway);
    const response = await production.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(response.cookies.find((c) => c.name === 'nlz_session')?.secure).toBe(true);
  });

  it('refuses an expired session with credentials_expired', async () => {
    const { token, storeId } = await signUp(gateway);
    await gateway.core.withStore(storeId, (trx) =>
      trx
        .updateTable('core.sessions')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .where('token_hash', '=', hashSecret(token))
        .execute(),
    );
    expectProblem(await me(bearer(token)), 401, 'credentials_expired');
  });

  it.each([
    ['no credentials', {}],
    ['a forged session token', bearer(`nlz_ses_${'A'.repeat(43)}`)],
    ['a forged API key', { 'x-api-key': `nlz_sk_${'B'.repeat(43)}` }],
    ['a malformed token', bearer('hello')],
    ['a non-bearer scheme', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['a forged cookie', { cookie: 'nlz_session=nlz_ses_forged' }],
  ])('refuses %s with 401 unauthenticated', async (_label, headers) => {
    expectProblem(await me(headers as Record<string, string>), 401, 'unauthenticated');
  });

  it('authenticates API keys by header or bearer, until revoked', async () => {
    const owner = await signUp(gateway);
    const { id, key } = await createApiKey(gateway, owner.token, 'analyst');
    const viaHeader = await me({ 'x-api-key': key });
    expect(viaHeader.json()).toMatchObject({
      principal: { kind: 'api_key', key_id: id, user_id: null, role: 'analyst', store_id: owner.storeId },
      user: null,
    });
    expect((await me(bearer(key))).statusCode).toBe(200);
    const listed = await gateway.app.inject({
      method: 'GET',
      url: '/v1/api-keys',
      headers: bearer(owner.token),
    });
    expect(listed.json().api_keys[0].last_used_at).not.toBeNull();

    await gateway.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers: bearer(owner.token) });
    expectProblem(await me({ 'x-api-key': key }), 401, 'unauthenticated');
  });

  it('limits each store to its tier’s requests per minute, with Retry-After', async () => {
    const starter = await signUp(gateway, { tier: 'starter' });
    const other = await signUp(gateway, { tier: 'starter' });
    const limited = await gateway.buildApp();
    const get = (token: string) =>
      limited.inject({ method: 'GET', url: '/v1/store', headers: bearer(token) });
    // starter: 120 per minute (TIERS.starter.rateLimits.apiPerMinute).
    for (let i = 0; i < 120; i++) expect((await get(starter.token)).statusCode).toBe(200);
    const refused = await get(starter.token);
    expectProblem(refused, 429, 'rate_limited');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect((await get(other.token)).statusCode).toBe(200);
  });

  it('limits logins per client IP', async () => {
    const limited = await gateway.buildApp({ env: { AUTH_RATE_LIMIT_PER_MINUTE: '3' } });
    const attempt = () =>
      limited.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { email: 'guess@example.com', password: 'guess guess guess' },
        remoteAddress: '198.51.100.4',
      });
    for (let i = 0; i < 3; i++) expectProblem(await attempt(), 401, 'invalid_credentials');
    const refused = await attempt();
    expectProblem(refused, 429, 'rate_limited');
    expect(refused.headers['retry-after']).toBeDefined();
  });
});
