import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  auditActions,
  bearer,
  createApiKey,
  expectProblem,
  SETUP_TIMEOUT_MS,
  signUp,
  startTestGateway,
  type TestGateway,
} from '../../../test/harness.ts';
import { hashSecret } from '../../credentials.ts';

describe('API keys', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const list = (headers: Record<string, string>) =>
    gateway.app.inject({ method: 'GET', url: '/v1/api-keys', headers });
  const revoke = (headers: Record<string, string>, id: string) =>
    gateway.app.inject({ method: 'DELETE', url: `/v1/api-keys/${id}`, headers });

  it('shows a key once, stores its hash and prefix, and announces it', async () => {
    const owner = await signUp(gateway);
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: { ...bearer(owner.token), 'x-request-id': 'req-key-1' },
      payload: { name: ' CI deploys ', role: 'admin' },
    });
    expect(response.statusCode).toBe(201);
    const { key, api_key: view } = response.json();
    expect(key).toMatch(/^nlz_sk_[A-Za-z0-9_-]{43}$/);
    expect(view).toMatchObject({
      name: 'CI deploys',
      role: 'admin',
      prefix: key.slice(0, 13),
      last_used_at: null,
    });

    const listed = (await list(bearer(owner.token))).json().api_keys;
    expect(listed).toEqual([view]);
    expect(JSON.stringify(listed)).not.toContain(key);
    const rows = await gateway.core.withStore(owner.storeId, (trx) =>
      trx.selectFrom('core.api_keys').selectAll().execute(),
    );
    expect(rows[0]?.key_hash).toBe(hashSecret(key));
    expect(JSON.stringify(rows)).not.toContain(key);

    const event = await gateway.waitForEvent('api_key.created', (e) => e.payload.key_id === view.id);
    expect(event).toMatchObject({
      correlation_id: 'req-key-1',
      payload: { store_id: owner.storeId, role: 'admin', prefix: view.prefix, by_user_id: owner.userId },
    });
    const audit = await gateway.core.withStore(owner.storeId, (trx) =>
      trx.selectFrom('core.audit_log').selectAll().where('action', '=', 'api_key.created').execute(),
    );
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_user_id: owner.userId, target: view.id, ip: '127.0.0.1' });
    expect(JSON.stringify(audit)).not.toContain(key);
  });

  it('revokes: the key stops working, and revoking again changes nothing', async () => {
    const owner = await signUp(gateway);
    const { id, key } = await createApiKey(gateway, owner.token);
    expect((await revoke({ 'x-api-key': key }, id)).statusCode).toBe(204);
    expectProblem(await list({ 'x-api-key': key }), 401, 'unauthenticated');
    expect((await revoke(bearer(owner.token), id)).statusCode).toBe(204);
    await gateway.waitForEvent('api_key.revoked', (e) => e.payload.key_id === id);
    expect((await list(bearer(owner.token))).json().api_keys[0].revoked_at).not.toBeNull();
    // One revocation recorded (and so one event, written in the same transaction).
    expect((await auditActions(gateway, owner.storeId)).filter((a) => a === 'api_key.revoked')).toHaveLength(
      1,
    );
  });

  it('keeps stores apart: another store’s key neither sees nor revokes this store’s keys', async () => {
    const mine = await signUp(gateway);
    const theirs = await signUp(gateway);
    const myKey = await createApiKey(gateway, mine.token);
    const theirKey = await createApiKey(gateway, theirs.token);

    const seen = (await list({ 'x-api-key': theirKey.key })).json().api_keys.map((k: { id: string }) => k.id);
    expect(seen).toEqual([theirKey.id]);
    expectProblem(await revoke({ 'x-api-key': theirKey.key }, myKey.id), 404, 'not_found');
    expectProblem(await revoke(bearer(theirs.token), myKey.id), 404, 'not_found');
    expect((await list({ 'x-api-key': myKey.key })).statusCode).toBe(200);
  });

  it('lets only owners and admins manage keys', async () => {
    const owner = await signUp(gateway, { tier: 'growth' });
    const analyst = await addMember(gateway, owner.token, 'analyst');
    const create = (token: string) =>
      gateway.app.inject({
        method: 'POST',
        url: '/v1/api-keys',
        headers: bearer(token),
        payload: { name: 'x', role: 'analyst' },
      });
    expectProblem(await create(analyst.token), 403, 'forbidden');
    expectProblem(await list(bearer(analyst.token)), 403, 'forbidden');
    const analystKey = await createApiKey(gateway, owner.token, 'analyst');
    expectProblem(await create(analystKey.key), 403, 'forbidden');
    const bad = await gateway.app.inject({
      method: 'POST',
      url: '/v1/api-keys',
      headers: bearer(owner.token),
      payload: { name: 'x', role: 'owner' },
    });
    expectProblem(bad, 400, 'validation_failed');
  });
});
