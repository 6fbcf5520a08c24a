import { type Role, RoleSchema, type ServiceName, TIER_NAMES, type TierName, Uuid } from '@nlyzer/contracts';
import { errors, jwtVerify, SignJWT } from 'jose';
import Type from 'typebox';
import { Value } from 'typebox/value';
import { type BaseConfig, type InstallConfig, secretOrInstallDefault } from './config.ts';
import { AppError, unauthenticated } from './errors.ts';

/*
 * The gateway authenticates a merchant (session or API key) once, at the edge, and tells
 * the service it forwards to who is calling in a short-lived HS256 assertion
 * (X-NLyzer-Principal). The service verifies it offline: no second credential lookup, and
 * no merchant credential ever leaves the gateway. The audience names one service, so an
 * assertion minted for search is refused by any other service.
 */
export const INTERNAL_PRINCIPAL_HEADER = 'x-nlyzer-principal';
const ISSUER = 'nlyzer-gateway';
/** Gateway and services run on different machines; a little skew must not fail a fresh assertion. */
const CLOCK_TOLERANCE_SECONDS = 5;

export interface InternalPrincipal {
  storeId: string;
  role: Role;
  /** Who acts: a dashboard user, or an API key (whose issuer is in the gateway's audit log). */
  actor: { kind: 'user' | 'api_key'; id: string };
  tier: TierName;
}

const PrincipalClaims = Type.Object({
  store_id: Uuid(),
  role: RoleSchema(),
  actor: Type.Object({ kind: Type.Enum(['user', 'api_key']), id: Uuid() }),
  tier: Type.Enum(TIER_NAMES),
});

function keyOf(secret: string): Uint8Array {
  // The config enforces this for INTERNAL_AUTH_SECRET; a caller passing its own key gets the same floor.
  if (secret.length < 32) throw new TypeError('the internal auth secret must have at least 32 characters');
  return new TextEncoder().encode(secret);
}

export interface SignInternalPrincipalOptions {
  secret: string;
  audience: ServiceName;
  ttlSeconds?: number;
}

export async function signInternalPrincipal(
  principal: InternalPrincipal,
  { secret, audience, ttlSeconds = 60 }: SignInternalPrincipalOptions,
): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000);
  return new SignJWT({
    store_id: principal.storeId,
    role: principal.role,
    actor: { kind: principal.actor.kind, id: principal.actor.id },
    tier: principal.tier,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(audience)
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds)
    .sign(keyOf(secret));
}

/** The principal an assertion names; throws `unauthenticated` for anything forged, expired, malformed or meant for another service. */
export async function verifyInternalPrincipal(
  token: string,
  { secret, audience }: { secret: string; audience: ServiceName },
): Promise<InternalPrincipal> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience,
      requiredClaims: ['exp', 'iat'],
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
    }));
  } catch (err) {
    if (err instanceof errors.JOSEError)
      throw new AppError('unauthenticated', 'Invalid principal assertion', { cause: err });
    throw err;
  }
  const claims = { store_id: payload.store_id, role: payload.role, actor: payload.actor, tier: payload.tier };
  if (!Value.Check(PrincipalClaims, claims)) throw unauthenticated('Invalid principal assertion');
  return {
    storeId: claims.store_id,
    role: claims.role,
    actor: { kind: claims.actor.kind, id: claims.actor.id },
    tier: claims.tier,
  };
}

/** INTERNAL_AUTH_SECRET, or outside production the key derived from the install, shared by its processes. */
export function internalAuthSecret(config: InstallConfig & Pick<BaseConfig, 'INTERNAL_AUTH_SECRET'>): string {
  return secretOrInstallDefault(config, {
    variable: 'INTERNAL_AUTH_SECRET',
    value: config.INTERNAL_AUTH_SECRET,
    purpose: 'internal-auth',
  });
}
