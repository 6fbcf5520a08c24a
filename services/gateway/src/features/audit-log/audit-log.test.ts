import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  addMember,
  bearer,
  createApiKey,
  expectProblem,
  SETUP_TIMEOUT_MS,
  signUp,
  startTestGateway,
  type TestGateway,
} from '../../../test/harness.ts';

describe('audit log', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const page = (token: string, query = '') =>
    gateway.app.inject({ method: 'GET', url: `/v1/audit-log${query}`, headers: bearer(token) });

  it('pages newest first with a stable cursor, one store only', async () => {
    const owner = await signUp(gateway);
    await signUp(gateway); // another store's entries must not show up
    const keys = [];
    for (let i = 0; i < 3; i++) keys.push(await createApiKey(gateway, owner.token));
    // store.created, user.created, 3 × api_key.created

    const first = (await page(owner.token, '?limit=2')).json();
    expect(first.entries.map((e: { action: string }) => e.action)).toEqual([
      'api_key.created',
      'api_key.created',
    ]);
    expect(first.entries[0].target).toBe(keys[2]!.id);
    expect(first.entries[0]).toMatchObject({
      actor_user_id: owner.userId,
      actor_api_key_id: null,
      ip: '127.0.0.1',
    });
    const second = (await page(owner.token, `?limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.entries.map((e: { action: string }) => e.action)).toEqual([
      'api_key.created',
      'user.created',
    ]);
    const last = (await page(owner.token, `?limit=2&cursor=${second.next_cursor}`)).json();
    expect(last.entries.map((e: { action: string }) => e.action)).toEqual(['store.created']);
    expect(last.next_cursor).toBeNull();
  });

  it('is for owners and admins only', async () => {
    const owner = await signUp(gateway, { tier: 'growth' });
    const agent = await addMember(gateway, owner.token, 'agent');
    const analyst = await addMember(gateway, owner.token, 'analyst');
    const admin = await addMember(gateway, owner.token, 'admin');
    expectProblem(await page(agent.token), 403, 'forbidden');
    expectProblem(await page(analyst.token), 403, 'forbidden');
    expect((await page(admin.token)).statusCode).toBe(200);
  });

  it.each([['?limit=0'], ['?limit=500'], ['?cursor=abc'], ['?cursor=-1'], ['?since=yesterday']])(
    'refuses the query %s',
    async (query) => {
      const owner = await signUp(gateway);
      expectProblem(await page(owner.token, query), 400, 'validation_failed');
    },
  );
});
