import { DEFAULT_WIDGET_THEME } from '@nlyzer/contracts';
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

describe('widget keys and widget tokens', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  const createKey = (token: string, allowed_origins: unknown) =>
    gateway.app.inject({
      method: 'POST',
      url: '/v1/widget-keys',
      headers: bearer(token),
      payload: { allowed_origins },
    });
  const mint = (key: string, origin?: string) =>
    gateway.app.inject({
      method: 'POST',
      url: '/v1/widget/token',
      headers: { 'x-widget-key': key, ...(origin ? { origin } : {}) },
    });

  it.each([
    ['plain http on a public host', ['http://shop.example']],
    ['another scheme', ['ftp://shop.example']],
    ['a path', ['https://shop.example/store']],
    ['a trailing slash', ['https://shop.example/']],
    ['no origins', []],
    ['more than 20 origins', Array.from({ length: 21 }, (_, i) => `https://shop${i}.example`)],
    ['a port out of range', ['https://shop.example:70000']],
  ])('refuses %s', async (_label, origins) => {
    const owner = await signUp(gateway);
    expectProblem(await createKey(owner.token, origins), 400, 'validation_failed');
  });

  it('normalises origins the way browsers send them', async () => {
    const owner = await signUp(gateway);
    const created = await createKey(owner.token, [
      'https://Shop.Example:443',
      'https://shop.example',
      'http://localhost:3000',
    ]);
    expect(created.statusCode).toBe(201);
    expect(created.json().widget_key.allowed_origins).toEqual([
      'https://shop.example',
      'http://localhost:3000',
    ]);
    const event = await gateway.waitForEvent(
      'widget_key.created',
      (e) => e.payload.key_id === created.json().widget_key.id,
    );
    expect(event.payload).toMatchObject({
      allowed_origins: ['https://shop.example', 'http://localhost:3000'],
    });
  });

  it('mints tokens only for allowed origins, and none after revocation', async () => {
    const owner = await signUp(gateway);
    const created = (await createKey(owner.token, ['https://shop.example'])).json();
    expect((await mint(created.key, 'https://shop.example')).statusCode).toBe(200);
    expectProblem(await mint(created.key), 403, 'origin_not_allowed');
    expectProblem(await mint(created.key, 'null'), 403, 'origin_not_allowed');
    const viaBody = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget/token',
      headers: { origin: 'https://shop.example' },
      payload: { widget_key: created.key },
    });
    expect(viaBody.statusCode).toBe(200);

    const revoked = await gateway.app.inject({
      method: 'DELETE',
      url: `/v1/widget-keys/${created.widget_key.id}`,
      headers: bearer(owner.token),
    });
    expect(revoked.statusCode).toBe(204);
    expectProblem(await mint(created.key, 'https://shop.example'), 401, 'unauthenticated');
    expect(await auditActions(gateway, owner.storeId)).toEqual(
      expect.arrayContaining(['widget_key.created', 'widget_key.revoked']),
    );
    await gateway.waitForEvent('widget_key.revoked', (e) => e.payload.key_id === created.widget_key.id);
  });

  it('refuses unknown and malformed widget keys', async () => {
    expectProblem(await mint(`nlz_pk_${'C'.repeat(43)}`, 'https://shop.example'), 401, 'unauthenticated');
    expectProblem(await mint('nlz_sk_not-a-widget-key', 'https://shop.example'), 401, 'unauthenticated');
    const none = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget/token',
      headers: { origin: 'https://a.example' },
    });
    expectProblem(none, 401, 'unauthenticated');
  });

  it('answers the browser preflight and lets the widget read errors', async () => {
    const preflight = await gateway.app.inject({
      method: 'OPTIONS',
      url: '/v1/widget/token',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    expect(preflight.headers).toMatchObject({
      'access-control-allow-origin': 'https://shop.example',
      'access-control-allow-methods': 'POST',
    });
    const refused = await mint(`nlz_pk_${'D'.repeat(43)}`, 'https://shop.example');
    expect(refused.headers['access-control-allow-origin']).toBe('https://shop.example');
  });

  it('caps active widget keys at the tier quota and keeps stores apart', async () => {
    // starter: 2 widget keys.
    const owner = await signUp(gateway, { tier: 'starter' });
    const first = (await createKey(owner.token, ['https://a.example'])).json();
    expect((await createKey(owner.token, ['https://b.example'])).statusCode).toBe(201);
    expectProblem(await createKey(owner.token, ['https://c.example']), 429, 'quota_exceeded');

    const other = await signUp(gateway);
    const otherKey = await createApiKey(gateway, other.token);
    const list = await gateway.app.inject({
      method: 'GET',
      url: '/v1/widget-keys',
      headers: { 'x-api-key': otherKey.key },
    });
    expect(list.json().widget_keys).toEqual([]);
    const foreignRevoke = await gateway.app.inject({
      method: 'DELETE',
      url: `/v1/widget-keys/${first.widget_key.id}`,
      headers: { 'x-api-key': otherKey.key },
    });
    expectProblem(foreignRevoke, 404, 'not_found');

    await gateway.app.inject({
      method: 'DELETE',
      url: `/v1/widget-keys/${first.widget_key.id}`,
      headers: bearer(owner.token),
    });
    expect((await createKey(owner.token, ['https://c.example'])).statusCode).toBe(201);
  });

  describe('snippets', () => {
    const snippetOf = (token: string, keyId: string) =>
      gateway.app.inject({ method: 'GET', url: `/v1/widget-keys/${keyId}/snippet`, headers: bearer(token) });
    const expectedSnippet = (key: string, theme: object) =>
      `<script src="http://localhost:8080/widget.js" data-store-key="${key}" ` +
      `data-theme="${JSON.stringify(theme).replaceAll('"', '&quot;')}" async></script>`;

    it('come with a new key, and again later, with the store theme as it is then', async () => {
      const owner = await signUp(gateway);
      const created = await createKey(owner.token, ['https://shop.example']);
      expect(created.statusCode).toBe(201);
      const { key, widget_key: view, snippet } = created.json();
      expect(snippet).toBe(expectedSnippet(key, DEFAULT_WIDGET_THEME));
      // The stored key is sealed, not readable.
      const row = await gateway.core.withStore(owner.storeId, (trx) =>
        trx
          .selectFrom('core.widget_keys')
          .select('key_sealed')
          .where('id', '=', view.id)
          .executeTakeFirstOrThrow(),
      );
      expect(row.key_sealed).toMatch(/^v1\./);
      expect(row.key_sealed).not.toContain(key.slice('nlz_pk_'.length));

      const again = await snippetOf(owner.token, view.id);
      expect(again.statusCode).toBe(200);
      expect(again.json()).toEqual({ key_id: view.id, snippet, theme: DEFAULT_WIDGET_THEME });

      const theme = { primary_color: '#ff5500', position: 'bottom-left' };
      const patched = await gateway.app.inject({
        method: 'PATCH',
        url: '/v1/store',
        headers: bearer(owner.token),
        payload: { widget_theme: theme },
      });
      expect(patched.statusCode).toBe(200);
      const themed = (await snippetOf(owner.token, view.id)).json();
      expect(themed).toMatchObject({ key_id: view.id, theme });
      // Postgres keeps jsonb keys in its own order: compare the theme the widget will parse.
      const attribute = /data-theme="([^"]*)"/.exec(themed.snippet)![1]!;
      expect(JSON.parse(attribute.replaceAll('&quot;', '"'))).toEqual(theme);
      expect(themed.snippet).toContain(`data-store-key="${key}"`);
    });

    it('load the widget from the configured public URL', async () => {
      const owner = await signUp(gateway);
      const elsewhere = await gateway.buildApp({ env: { PUBLIC_URL: 'https://widgets.nlyzer.example/' } });
      const created = await elsewhere.inject({
        method: 'POST',
        url: '/v1/widget-keys',
        headers: bearer(owner.token),
        payload: { allowed_origins: ['https://shop.example'] },
      });
      expect(created.json().snippet).toMatch(
        /^<script src="https:\/\/widgets\.nlyzer\.example\/widget\.js" /,
      );
    });

    it('are for owners, admins and analysts of the store only', async () => {
      const owner = await signUp(gateway, { tier: 'growth' });
      const { widget_key: view } = (await createKey(owner.token, ['https://shop.example'])).json();
      const analyst = await addMember(gateway, owner.token, 'analyst');
      const agent = await addMember(gateway, owner.token, 'agent');
      expect((await snippetOf(analyst.token, view.id)).statusCode).toBe(200);
      expectProblem(await snippetOf(agent.token, view.id), 403, 'forbidden');
      const other = await signUp(gateway);
      expectProblem(await snippetOf(other.token, view.id), 404, 'not_found');
      expectProblem(await snippetOf(owner.token, crypto.randomUUID()), 404, 'not_found');
    });

    it('are refused for revoked keys and for keys issued before keys were sealed', async () => {
      const owner = await signUp(gateway, { tier: 'growth' });
      const revoked = (await createKey(owner.token, ['https://a.example'])).json().widget_key;
      await gateway.app.inject({
        method: 'DELETE',
        url: `/v1/widget-keys/${revoked.id}`,
        headers: bearer(owner.token),
      });
      const refused = await snippetOf(owner.token, revoked.id);
      expectProblem(refused, 409, 'conflict');
      expect(refused.json().detail).toMatch(/revoked/);

      const old = (await createKey(owner.token, ['https://b.example'])).json().widget_key;
      await gateway.core.withStore(owner.storeId, (trx) =>
        trx.updateTable('core.widget_keys').set({ key_sealed: null }).where('id', '=', old.id).execute(),
      );
      const legacy = await snippetOf(owner.token, old.id);
      expectProblem(legacy, 409, 'conflict');
      expect(legacy.json().detail).toMatch(/re-issue the key/);
    });
  });
});
