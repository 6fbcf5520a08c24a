import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { baseConfigSchema, ConfigError, loadConfig } from './config.ts';
import { isAppError } from './errors.ts';
import {
  type InternalPrincipal,
  internalAuthSecret,
  signInternalPrincipal,
  verifyInternalPrincipal,
} from './internal-principal.ts';

const SECRET = 'k'.repeat(40);
const principal: InternalPrincipal = {
  storeId: '5b0c1b4e-4f9a-4c55-9a7e-2f1d6c3b8a90',
  role: 'analyst',
  actor: { kind: 'api_key', id: '0f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a' },
  tier: 'growth',
};

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the assertion to be refused');
}

describe('internal principal assertions', () => {
  it('round-trips the principal for the service it names', async () => {
    const token = await signInternalPrincipal(principal, { secret: SECRET, audience: 'search' });
    expect(await verifyInternalPrincipal(token, { secret: SECRET, audience: 'search' })).toEqual(principal);
  });

  it.each([
    [
      'another service',
      async () => signInternalPrincipal(principal, { secret: SECRET, audience: 'billing' }),
    ],
    [
      'another key',
      async () => signInternalPrincipal(principal, { secret: 'x'.repeat(40), audience: 'search' }),
    ],
    [
      'an expired assertion',
      async () => signInternalPrincipal(principal, { secret: SECRET, audience: 'search', ttlSeconds: -60 }),
    ],
    [
      'another issuer',
      async () =>
        new SignJWT({ store_id: principal.storeId, role: 'owner', actor: principal.actor, tier: 'starter' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('someone-else')
          .setAudience('search')
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(new TextEncoder().encode(SECRET)),
    ],
    [
      'an unknown role',
      async () =>
        new SignJWT({ store_id: principal.storeId, role: 'root', actor: principal.actor, tier: 'starter' })
          .setProtectedHeader({ alg: 'HS256' })
          .setIssuer('nlyzer-gateway')
          .setAudience('search')
          .setIssuedAt()
          .setExpirationTime('1m')
          .sign(new TextEncoder().encode(SECRET)),
    ],
    ['garbage', async () => 'not.a.jwt'],
  ])('refuses %s with unauthenticated', async (_case, token) => {
    const err = await rejection(
      verifyInternalPrincipal(await token(), { secret: SECRET, audience: 'search' }),
    );
    expect(isAppError(err, 'unauthenticated')).toBe(true);
  });

  it('refuses a key shorter than 32 characters', async () => {
    await expect(signInternalPrincipal(principal, { secret: 'short', audience: 'search' })).rejects.toThrow(
      TypeError,
    );
  });
});

describe('INTERNAL_AUTH_SECRET', () => {
  const load = (env: Record<string, string>) => loadConfig(baseConfigSchema, env);

  it('is required in production, with at least 32 characters', () => {
    expect(() => load({ NODE_ENV: 'production' })).toThrow(ConfigError);
    expect(() => load({ NODE_ENV: 'production', INTERNAL_AUTH_SECRET: 'too-short' })).toThrow(
      /INTERNAL_AUTH_SECRET: must be at least 32 characters$/m,
    );
    expect(internalAuthSecret(load({ NODE_ENV: 'production', INTERNAL_AUTH_SECRET: SECRET }))).toBe(SECRET);
  });

  it('is derived per install outside production, the same in every process of it', () => {
    const a = internalAuthSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' }));
    expect(internalAuthSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-a' }))).toBe(a);
    expect(internalAuthSecret(load({ NLYZER_DATA_DIR: '/srv/nlyzer-b' }))).not.toBe(a);
    expect(internalAuthSecret(load({ DATABASE_URL: 'postgres://localhost/nlyzer' }))).not.toBe(a);
    expect(a.length).toBeGreaterThanOrEqual(32);
  });
});
