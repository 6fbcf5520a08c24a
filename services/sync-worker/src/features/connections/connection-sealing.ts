import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

/*
 * Platform credentials at rest: AES-256-GCM under a key derived (HKDF-SHA-256) from the
 * configured sealing secret. Layout: version (1 byte) | IV (12) | tag (16) | ciphertext.
 * The version names the key, so a rotated secret can become version 2 while rows sealed
 * under 1 stay readable until re-sealed. The store id and the field are authenticated
 * data: a sealed value copied to another store's row, or from one column to the other,
 * does not open.
 */
const KEY_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + IV_BYTES + TAG_BYTES;

export type SealedField = 'credentials' | 'webhook_secret';

export type ConnectionSealingErrorCode = 'unknown_key_version' | 'truncated' | 'tampered';

export class ConnectionSealingError extends Error {
  readonly code: ConnectionSealingErrorCode;
  constructor(code: ConnectionSealingErrorCode, message: string) {
    super(message);
    this.name = 'ConnectionSealingError';
    this.code = code;
  }
}

export interface ConnectionSealer {
  seal(storeId: string, field: SealedField, plaintext: string): Uint8Array;
  /** Throws ConnectionSealingError when the value was altered, cut or sealed under another key. */
  unseal(storeId: string, field: SealedField, sealed: Uint8Array): string;
}

export function createConnectionSealer(secret: string): ConnectionSealer {
  const key = Buffer.from(
    hkdfSync('sha256', secret, 'nlyzer.catalog.connections', `aes-256-gcm v${KEY_VERSION}`, 32),
  );
  const aad = (storeId: string, field: SealedField) => Buffer.from(`${storeId}:${field}`);
  return {
    seal(storeId, field, plaintext) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(aad(storeId, field));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return Buffer.concat([Buffer.from([KEY_VERSION]), iv, cipher.getAuthTag(), ciphertext]);
    },
    unseal(storeId, field, sealed) {
      const bytes = Buffer.from(sealed);
      if (bytes.length < HEADER_BYTES)
        throw new ConnectionSealingError('truncated', 'The sealed value is cut short');
      if (bytes[0] !== KEY_VERSION) {
        throw new ConnectionSealingError('unknown_key_version', `Sealed under key version ${bytes[0]}`);
      }
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(1, 1 + IV_BYTES));
      decipher.setAAD(aad(storeId, field));
      decipher.setAuthTag(bytes.subarray(1 + IV_BYTES, HEADER_BYTES));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(HEADER_BYTES)), decipher.final()]).toString(
          'utf8',
        );
      } catch {
        throw new ConnectionSealingError('tampered', 'The sealed value does not authenticate under this key');
      }
    },
  };
}
