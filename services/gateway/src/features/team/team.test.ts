import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  auditActions,
  bearer,
  createApiKey,
  expectProblem,
  PASSWORD,
  SETUP_TIMEOUT_MS,
  signUp,
  startTestGateway,
  type TestGateway,
  uniqueEmail,
} from '../../../test/harness.ts';
import { hashSecret } from '../../credentials.ts';

describe('team', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const invite = (token: string, email: string, role: string) =>
    gateway.app.inject({
      method: 'POST',
      url: '/v1/team/invites',
      headers: bearer(token),
      payload: { email, role },
    });
  const accept = (token: string) =>
    gateway.app.inject({
      method: 'POST',
      url: '/v1/auth/accept-invite',
      payload: { token, password: PASSWORD },
    });
  const setRole = (token: string, userId: string, role: string) =>
    gateway.app.inject({
      method: 'PATCH',
      url: `/v1/team/${userId}`,
      headers: bearer(token),
      payload: { role },
    });
  const remove = (token: string, userId: string) =>
    gateway.app.inject({ method: 'DELETE', url: `/v1/team/${userId}`, headers: bearer(token) });

  it('invites with a one-time token stored hashed, and announces the new user', async () => {
    const owner = await signUp(gateway, { tier: 'growth' });
    const email = uniqueEmail('analyst');
    const invited = await invite(owner.token, email.toUpperCase(), 'analyst');
    expect(invited.statusCode).toBe(201);
    const { token } = invited.json();
    expect(token).toMatch(/^nlz_inv_/);
    const stored = await gateway.core.withStore(owner.storeId, (trx) =>
      trx.selectFrom('core.invites').select(['token_hash', 'email']).execute(),
    );
    expect(stored).toEqual([{ token_hash: hashSecret(token), email }]);

    const accepted = await accept(token);
    expect(accepted.statusCode).toBe(201);
    expect(accepted.json()).toMatchObject({ store_id: owner.storeId, user: { email, role: 'analyst' } });
    expectProblem(await accept(token), 401, 'unauthenticated');

    const event = await gateway.waitForEvent('user.created', (e) => e.payload.email === email);
    expect(event.payload).toMatchObject({
      store_id: owner.storeId,
      role: 'analyst',
      invited_by_user_id: owner.userId,
    });
    const team = await gateway.app.inject({
      method: 'GET',
      url: '/v1/team',
      headers: bearer(accepted.json().session.token),
    });
    expect(team.json().members.map((m: { email: string }) => m.email)).toEqual([owner.email, email]);
    expect(team.json().invites).toEqual([]);
    expect(await auditActions(gateway, owner.storeId)).toEqual(
      expect.arrayContaining(['invite.created', 'user.created']),
    );
  });

  it('refuses an expired invitation', async () => {
    const owner = await signUp(gateway);
    const { token } = (await invite(owner.token, uniqueEmail(), 'agent')).json();
    await gateway.core.withStore(owner.storeId, (trx) =>
      trx
        .updateTable('core.invites')
        .set({ expires_at: new Date(Date.now() - 1000) })
        .execute(),
    );
    expectProblem(await accept(token), 401, 'credentials_expired');
  });

  it('refuses inviting a current member, and an email taken in another store at acceptance', async () => {
    const owner = await signUp(gateway);
    expectProblem(await invite(owner.token, owner.email, 'analyst'), 409, 'email_taken');
    const elsewhere = await signUp(gateway);
    const { token } = (await invite(owner.token, elsewhere.email, 'analyst')).json();
    expectProblem(await accept(token), 409, 'email_taken');
  });

  it('lets only owners grant or manage owner and admin', async () => {
    const owner = await signUp(gateway, { tier: 'growth' });
    const admin = await addMember(gateway, owner.token, 'admin');
    expectProblem(await invite(admin.token, uniqueEmail(), 'admin'), 403, 'forbidden');
    expectProblem(await invite(admin.token, uniqueEmail(), 'owner'), 403, 'forbidden');
    expect((await invite(admin.token, uniqueEmail(), 'agent')).statusCode).toBe(201);

    const analyst = await addMember(gateway, owner.token, 'analyst');
    expectProblem(await invite(analyst.token, uniqueEmail(), 'agent'), 403, 'forbidden');
    expectProblem(await setRole(admin.token, owner.userId, 'analyst'), 403, 'forbidden');
    expectProblem(await setRole(admin.token, analyst.userId, 'admin'), 403, 'forbidden');
    const demoted = await setRole(admin.token, analyst.userId, 'agent');
    expect(demoted.json()).toMatchObject({ id: analyst.userId, role: 'agent' });
    // The new role applies to the member's existing session at once.
    expectProblem(
      await gateway.app.inject({ method: 'GET', url: '/v1/audit-log', headers: bearer(analyst.token) }),
      403,
      'forbidden',
    );
    expect(await auditActions(gateway, owner.storeId)).toContain('user.role_changed');
  });

  it('never leaves a store without an owner', async () => {
    const owner = await signUp(gateway, { tier: 'growth' });
    expectProblem(await setRole(owner.token, owner.userId, 'admin'), 409, 'conflict');
    expectProblem(await remove(owner.token, owner.userId), 409, 'conflict');
    const second = await addMember(gateway, owner.token, 'owner');
    expect((await setRole(second.token, owner.userId, 'admin')).statusCode).toBe(200);
    expectProblem(await remove(second.token, second.userId), 409, 'conflict');
  });

  it('removes a member with their sessions and the API keys they issued', async () => {
    const owner = await signUp(gateway, { tier: 'growth' });
    const admin = await addMember(gateway, owner.token, 'admin');
    const key = await createApiKey(gateway, admin.token);
    const kept = await createApiKey(gateway, owner.token);
    expect((await remove(owner.token, admin.userId)).statusCode).toBe(204);

    const me = (headers: Record<string, string>) =>
      gateway.app.inject({ method: 'GET', url: '/v1/me', headers });
    expectProblem(await me(bearer(admin.token)), 401, 'unauthenticated');
    expectProblem(await me({ 'x-api-key': key.key }), 401, 'unauthenticated');
    expect((await me({ 'x-api-key': kept.key })).statusCode).toBe(200);
    const revoked = await gateway.waitForEvent('api_key.revoked', (e) => e.payload.key_id === key.id);
    expect(revoked.payload).toMatchObject({ by_user_id: owner.userId });
    expect(await auditActions(gateway, owner.storeId)).toEqual(
      expect.arrayContaining(['api_key.revoked', 'user.removed']),
    );
    expectProblem(await remove(owner.token, admin.userId), 404, 'not_found');
  });

  it('caps seats (members plus pending invites) at the tier quota', async () => {
    // starter: 3 seats.
    const owner = await signUp(gateway, { tier: 'starter' });
    expect((await invite(owner.token, uniqueEmail(), 'agent')).statusCode).toBe(201);
    expect((await invite(owner.token, uniqueEmail(), 'agent')).statusCode).toBe(201);
    expectProblem(await invite(owner.token, uniqueEmail(), 'agent'), 429, 'quota_exceeded');
  });
});
