import { TIER_NAMES, type TierName } from '@nlyzer/contracts';
import { AppError, unauthenticated } from '@nlyzer/service-kit';
import { errors, jwtVerify, SignJWT } from 'jose';

/*
 * Widget tokens let a shopper's browser call search for one store from one origin.
 * They are short-lived HS256 JWTs: any NLyzer service holding the secret verifies them
 * offline, without a database call per search. Revoking the widget key stops new
 * tokens at once; tokens already minted run out within WIDGET_TOKEN_TTL_SECONDS.
 */
export const WIDGET_TOKEN_TTL_SECONDS = 15 * 60;
const ISSUER = 'nlyzer-gateway';
const AUDIENCE = 'nlyzer-widget';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WidgetTokenClaims {
  storeId: string;
  keyId: string;
  origin: string;
  /** The store's tier when the token was minted: search applies its per-store limit without a lookup. */
  tier: TierName;
}

const keyOf = (secret: string) => new TextEncoder().encode(secret);

export async function signWidgetToken(
  claims: WidgetTokenClaims,
  secret: string,
  now: Date = new Date(),
): Promise<{ token: string; expiresAt: Date }> {
  const issuedAt = Math.floor(now.getTime() / 1000);
  const expiresAt = issuedAt + WIDGET_TOKEN_TTL_SECONDS;
  const token = await new SignJWT({
    store_id: claims.storeId,
    widget_key_id: claims.keyId,
    origin: claims.origin,
    tier: claims.tier,
  })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt(issuedAt)
    .setExpirationTime(expiresAt)
    .sign(keyOf(secret));
  return { token, expiresAt: new Date(expiresAt * 1000) };
}

/**
 * Checks a widget token presented from `origin` (the request's Origin header).
 * Throws `unauthenticated` (forged, malformed, wrong key), `credentials_expired`, or
 * `origin_not_allowed` (minted for another site).
 */
export async function verifyWidgetToken(
  token: string,
  origin: string | undefined,
  secret: string,
): Promise<{ storeId: string; keyId: string; tier: TierName }> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      requiredClaims: ['exp', 'iat'],
    }));
  } catch (err) {
    if (err instanceof errors.JWTExpired) {
      throw new AppError('credentials_expired', 'The widget token expired; request a new one', {
        cause: err,
      });
    }
    if (err instanceof errors.JOSEError)
      throw new AppError('unauthenticated', 'Invalid widget token', { cause: err });
    throw err;
  }
  const { store_id: storeId, widget_key_id: keyId, origin: boundOrigin, tier } = payload;
  if (
    !TIER_NAMES.includes(tier as TierName) ||
    typeof storeId !== 'string' ||
    !UUID.test(storeId) ||
    typeof keyId !== 'string' ||
    typeof boundOrigin !== 'string'
  ) {
    throw unauthenticated('Invalid widget token');
  }
  if (origin !== boundOrigin) {
    throw new AppError('origin_not_allowed', 'The widget token was issued for another origin');
  }
  return { storeId, keyId, tier: tier as TierName };
}
