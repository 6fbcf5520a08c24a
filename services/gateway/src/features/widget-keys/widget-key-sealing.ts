import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/**
 * Widget keys are publishable (every storefront page shows one), yet the snippet must be
 * shown again after the key was issued. The key is therefore kept twice: hashed for the
 * lookup on every widget request, and sealed (AES-256-GCM) for the snippet. Sealing keeps a
 * database dump from handing out working keys; the key id is the additional data, so a
 * sealed value copied onto another key's row does not open.
 */
export interface WidgetKeySealer {
  seal(keyId: string, key: string): string;
  /** Throws when the value was not sealed for this key id with this secret. */
  open(keyId: string, sealed: string): string;
}

/** The format's version: a later change of algorithm or key can still open older values. */
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function createWidgetKeySealer(secret: string): WidgetKeySealer {
  // HKDF turns the configured secret (any string of 32+ characters) into exactly one AES key.
  const aesKey = Buffer.from(hkdfSync('sha256', secret, '', 'nlyzer widget key sealing v1', 32));
  const additionalData = (keyId: string) => Buffer.from(`widget-key:${keyId}`);

  return {
    seal(keyId, key) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv).setAAD(additionalData(keyId));
      const ciphertext = Buffer.concat([cipher.update(key, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url')}`;
    },
    open(keyId, sealed) {
      const [version, body] = sealed.split('.');
      if (version !== VERSION || !body) throw new TypeError('not a sealed widget key');
      const bytes = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', aesKey, bytes.subarray(0, IV_BYTES))
        .setAAD(additionalData(keyId))
        .setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([
        decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}
