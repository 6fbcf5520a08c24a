import { randomUUID } from 'node:crypto';
import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { signWidgetToken, verifyWidgetToken, WIDGET_TOKEN_TTL_SECONDS } from './widget-token.ts';

const SECRET = 'a-widget-token-secret-of-enough-length';
const ORIGIN = 'https://shop.example';
const claims = { storeId: randomUUID(), keyId: randomUUID(), origin: ORIGIN, tier: 'growth' as const };

async function rejection(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    return (err as { code: string }).code;
  }
  throw new Error('expected the token to be refused');
}

describe('widget tokens', () => {
  it('verify for the origin they were minted for, for 15 minutes', async () => {
    const { token, expiresAt } = await signWidgetToken(claims, SECRET);
    await expect(verifyWidgetToken(token, ORIGIN, SECRET)).resolves.toEqual({
      storeId: claims.storeId,
      keyId: claims.keyId,
      tier: 'growth',
    });
    expect(Math.round((expiresAt.getTime() - Date.now()) / 1000)).toBeGreaterThan(
      WIDGET_TOKEN_TTL_SECONDS - 5,
    );
    expect(WIDGET_TOKEN_TTL_SECONDS).toBe(900);
  });

  it('refuse another origin, or none', async () => {
    const { token } = await signWidgetToken(claims, SECRET);
    expect(await rejection(verifyWidgetToken(token, 'https://evil.example', SECRET))).toBe(
      'origin_not_allowed',
    );
    expect(await rejection(verifyWidgetToken(token, undefined, SECRET))).toBe('origin_not_allowed');
  });

  it('refuse expired tokens as expired', async () => {
    const { token } = await signWidgetToken(claims, SECRET, new Date(Date.now() - 16 * 60_000));
    expect(await rejection(verifyWidgetToken(token, ORIGIN, SECRET))).toBe('credentials_expired');
  });

  it('refuse forged, tampered, unsigned and foreign tokens', async () => {
    const { token } = await signWidgetToken(claims, SECRET);
    expect(await rejection(verifyWidgetToken(token, ORIGIN, 'another-secret-another-secret-xx'))).toBe(
      'unauthenticated',
    );

    const [header, payload, signature] = token.split('.');
    const otherStore = Buffer.from(
      JSON.stringify({
        ...JSON.parse(Buffer.from(payload!, 'base64url').toString()),
        store_id: randomUUID(),
      }),
    ).toString('base64url');
    expect(await rejection(verifyWidgetToken(`${header}.${otherStore}.${signature}`, ORIGIN, SECRET))).toBe(
      'unauthenticated',
    );

    const unsigned = new UnsecuredJWT({
      store_id: claims.storeId,
      widget_key_id: claims.keyId,
      origin: ORIGIN,
    })
      .setIssuer('nlyzer-gateway')
      .setAudience('nlyzer-widget')
      .setIssuedAt()
      .setExpirationTime('10m')
      .encode();
    expect(await rejection(verifyWidgetToken(unsigned, ORIGIN, SECRET))).toBe('unauthenticated');

    // Signed with the right secret but not a widget token (wrong audience).
    const session = await new SignJWT({
      store_id: claims.storeId,
      widget_key_id: claims.keyId,
      origin: ORIGIN,
    })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('nlyzer-gateway')
      .setAudience('nlyzer-dashboard')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode(SECRET));
    expect(await rejection(verifyWidgetToken(session, ORIGIN, SECRET))).toBe('unauthenticated');
    expect(await rejection(verifyWidgetToken('not-a-jwt', ORIGIN, SECRET))).toBe('unauthenticated');
  });
});
