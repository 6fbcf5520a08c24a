// In production (Cloud SQL) the migration owner is not a superuser, so FORCE'd RLS
// applies to it too: login and key lookups only work through the owner-scoped
// policies of the core migration. The other suites migrate as a superuser, which
// bypasses RLS and would hide a broken lookup; this one runs as a plain owner role.
import { randomBytes } from 'node:crypto';
import { openDatabase } from '@nlyzer/db';
import { type TestDatabase, testDatabase, tier } from '@nlyzer/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  createApiKey,
  expectProblem,
  PASSWORD,
  SETUP_TIMEOUT_MS,
  signUp,
  startTestGateway,
  type TestGateway,
} from './harness.ts';

async function run(url: string, statements: string[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const statement of statements) await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh database whose migrations and queries run as a NOSUPERUSER role (like Cloud SQL's). */
async function databaseOwnedByPlainRole(): Promise<TestDatabase & { ownerUrl: string }> {
  const superuserDatabase = await testDatabase();
  await superuserDatabase.db.close();
  const superuserUrl = superuserDatabase.url!;
  const role = `gw_owner_${randomBytes(4).toString('hex')}`;
  const password = randomBytes(12).toString('hex');
  const database = new URL(superuserUrl).pathname.slice(1);
  await run(superuserUrl, [
    `create role ${role} login nosuperuser createrole password '${password}'`,
    `grant create, connect on database ${database} to ${role}`,
    `grant create, usage on schema public to ${role}`,
  ]);
  const ownerUrl = new URL(superuserUrl);
  ownerUrl.username = role;
  ownerUrl.password = password;
  const db = await openDatabase({ url: ownerUrl.toString() });
  return {
    db,
    url: ownerUrl.toString(),
    ownerUrl: ownerUrl.toString(),
    tier: 'real',
    cleanup: async () => {
      await db.close();
      await superuserDatabase.cleanup();
      await run(new URL('/postgres', superuserUrl).toString(), [`drop role if exists ${role}`]);
    },
  };
}

describe.skipIf(tier() !== 'real')('auth lookups with a non-superuser migration owner', () => {
  let gateway: TestGateway;
  let ownerUrl: string;
  beforeAll(async () => {
    gateway = await startTestGateway({
      database: async () => {
        const database = await databaseOwnedByPlainRole();
        ownerUrl = database.ownerUrl;
        return database;
      },
    });
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  it('still logs in and resolves sessions, API keys and widget keys', async () => {
    const owner = await signUp(gateway);
    const login = await gateway.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: owner.email, password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    expect(
      (await gateway.app.inject({ method: 'GET', url: '/v1/me', headers: bearer(owner.token) })).statusCode,
    ).toBe(200);
    const key = await createApiKey(gateway, owner.token);
    const viaKey = await gateway.app.inject({
      method: 'GET',
      url: '/v1/api-keys',
      headers: { 'x-api-key': key.key },
    });
    expect(viaKey.json().api_keys[0].last_used_at).not.toBeNull();
    const widgetKey = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget-keys',
      headers: bearer(owner.token),
      payload: { allowed_origins: ['https://shop.example'] },
    });
    const token = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget/token',
      headers: { 'x-widget-key': widgetKey.json().key, origin: 'https://shop.example' },
    });
    expect(token.statusCode).toBe(200);

    // The owner-scoped policy is what makes this work: without it the lookup sees no rows.
    await run(ownerUrl, ['drop policy owner_auth_lookup on core.users']);
    const refused = await gateway.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email: owner.email, password: PASSWORD },
    });
    expectProblem(refused, 401, 'invalid_credentials');
  });
});
