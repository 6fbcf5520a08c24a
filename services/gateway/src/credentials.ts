import { createHash, randomBytes } from 'node:crypto';

/**
 * Secrets the gateway hands out. Each carries a readable prefix so a leaked value is
 * recognisable (secret scanners, support) and the auth layer knows what it holds
 * without a database lookup. Only the SHA-256 of a secret is stored: the secrets are
 * 256 random bits, so a fast hash is enough (no dictionary to guess from).
 */
export const CREDENTIAL_PREFIXES = {
  session: 'nlz_ses_',
  apiKey: 'nlz_sk_',
  widgetKey: 'nlz_pk_',
  invite: 'nlz_inv_',
} as const;

export type CredentialKind = keyof typeof CREDENTIAL_PREFIXES;

/** 32 random bytes in base64url: 43 characters. */
const SECRET_BODY = /^[A-Za-z0-9_-]{43}$/;

export interface IssuedSecret {
  /** The full secret, shown to its holder once. */
  value: string;
  /** SHA-256 hex of the value: what is stored and looked up. */
  hash: string;
  /** The first characters, stored for display ("nlz_sk_Ab12…"). */
  displayPrefix: string;
}

const DISPLAY_BODY_CHARS = 6;

export function issueSecret(kind: CredentialKind): IssuedSecret {
  const prefix = CREDENTIAL_PREFIXES[kind];
  const value = prefix + randomBytes(32).toString('base64url');
  return {
    value,
    hash: hashSecret(value),
    displayPrefix: value.slice(0, prefix.length + DISPLAY_BODY_CHARS),
  };
}

export function hashSecret(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** True when the value has the exact shape of a secret of that kind (checked before any lookup). */
export function looksLike(kind: CredentialKind, value: string): boolean {
  const prefix = CREDENTIAL_PREFIXES[kind];
  return value.startsWith(prefix) && SECRET_BODY.test(value.slice(prefix.length));
}
