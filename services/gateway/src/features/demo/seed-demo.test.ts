import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SETUP_TIMEOUT_MS, startTestGateway, type TestGateway } from '../../../test/harness.ts';
import { DEMO_EMAIL, seedDemoStore } from './seed-demo.ts';

function secretsOf(lines: string[]) {
  const find = (pattern: RegExp) => {
    const match = lines.map((line) => pattern.exec(line)).find(Boolean);
    if (!match?.[1]) throw new Error(`no line matches ${pattern}: ${lines.join('\n')}`);
    return match[1];
  };
  return {
    storeId: find(/^demo store: Demo Boutique \(([0-9a-f-]{36})\)$/),
    password: find(/^demo login: demo@nlyzer\.dev \/ (\S+)$/),
    apiKey: find(/^demo API key: (nlz_sk_\S+)$/),
    widgetKey: find(/^demo widget key: (nlz_pk_\S+)/),
  };
}

describe('demo seed', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const login = (password: string) =>
    gateway.app.inject({ method: 'POST', url: '/v1/auth/login', payload: { email: DEMO_EMAIL, password } });
  const me = (key: string) =>
    gateway.app.inject({ method: 'GET', url: '/v1/me', headers: { 'x-api-key': key } });

  it('creates Demo Boutique once and rotates its secrets on every run', async () => {
    const first = secretsOf(await seedDemoStore(gateway));
    const second = secretsOf(await seedDemoStore(gateway));
    expect(second.storeId).toBe(first.storeId);

    expect((await login(first.password)).statusCode).toBe(401);
    expect((await login(second.password)).statusCode).toBe(200);
    expect((await me(first.apiKey)).statusCode).toBe(401);
    const current = await me(second.apiKey);
    expect(current.json()).toMatchObject({ principal: { store_id: first.storeId, role: 'admin' } });
    expect(current.json().store).toMatchObject({ company: 'Demo Boutique', platform: 'custom' });

    const token = (key: string) =>
      gateway.app.inject({
        method: 'POST',
        url: '/v1/widget/token',
        headers: { 'x-widget-key': key, origin: 'http://localhost:5173' },
      });
    expect((await token(first.widgetKey)).statusCode).toBe(401);
    expect((await token(second.widgetKey)).statusCode).toBe(200);

    const stores = await gateway.core.withStore(first.storeId, (trx) =>
      trx.selectFrom('core.stores').selectAll().execute(),
    );
    expect(stores).toHaveLength(1);
    const created = await gateway.waitForEvent('store.created', (e) => e.store_id === first.storeId);
    expect(created.payload).toMatchObject({ company: 'Demo Boutique', billing_email: DEMO_EMAIL });
  });
});
