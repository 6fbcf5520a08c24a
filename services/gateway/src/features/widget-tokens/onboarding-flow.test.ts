import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  expectProblem,
  PASSWORD,
  SETUP_TIMEOUT_MS,
  startTestGateway,
  type TestGateway,
  uniqueEmail,
} from '../../../test/harness.ts';
import { widgetTokenSecret } from '../../config.ts';
import { verifyWidgetToken } from './widget-token.ts';

// The README's curl flow: signup → login → widget key → widget token → verify.
describe('onboarding flow', () => {
  let gateway: TestGateway;
  beforeAll(async () => {
    gateway = await startTestGateway();
  }, SETUP_TIMEOUT_MS);
  afterAll(() => gateway?.close());

  it('signs up, logs in, issues a widget key and a token the search service can verify', async () => {
    const email = uniqueEmail();
    const signup = await gateway.app.inject({
      method: 'POST',
      url: '/v1/signup',
      payload: {
        email: `  ${email.toUpperCase()} `,
        password: PASSWORD,
        company: 'Acme',
        tier: 'starter',
        time_zone: 'Europe/Berlin',
      },
    });
    expect(signup.statusCode).toBe(201);
    const created = signup.json();
    expect(created.user).toMatchObject({ email, role: 'owner' });
    expect(created.store).toMatchObject({
      company: 'Acme',
      tier: 'starter',
      time_zone: 'Europe/Berlin',
      platform: null,
    });
    expect(created.session.token).toMatch(/^nlz_ses_/);
    expect(String(signup.headers['set-cookie'])).toMatch(/nlz_session=.*HttpOnly.*SameSite=Lax/i);

    const login = await gateway.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(login.statusCode).toBe(200);
    const token = login.json().session.token;
    expect(login.json().store_id).toBe(created.store.id);

    const platform = await gateway.app.inject({
      method: 'PUT',
      url: '/v1/store/platform',
      headers: bearer(token),
      payload: { platform: 'custom' },
    });
    expect(platform.json().platform).toBe('custom');

    const widgetKey = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget-keys',
      headers: bearer(token),
      payload: { allowed_origins: ['https://shop.example', 'http://localhost:5173'] },
    });
    expect(widgetKey.statusCode).toBe(201);
    const key = widgetKey.json().key;
    expect(key).toMatch(/^nlz_pk_/);

    const minted = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget/token',
      headers: { 'x-widget-key': key, origin: 'https://shop.example' },
    });
    expect(minted.statusCode, minted.body).toBe(200);
    expect(minted.headers['access-control-allow-origin']).toBe('https://shop.example');
    const secret = widgetTokenSecret(gateway.config);
    await expect(verifyWidgetToken(minted.json().token, 'https://shop.example', secret)).resolves.toEqual({
      storeId: created.store.id,
      keyId: widgetKey.json().widget_key.id,
      tier: 'starter',
    });

    const wrongOrigin = await gateway.app.inject({
      method: 'POST',
      url: '/v1/widget/token',
      payload: { widget_key: key },
      headers: { origin: 'https://evil.example' },
    });
    expectProblem(wrongOrigin, 403, 'origin_not_allowed');
  });
});
