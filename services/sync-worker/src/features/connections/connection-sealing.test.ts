import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ConnectionSealingError, createConnectionSealer } from './connection-sealing.ts';

const SECRET = 'a-sealing-secret-of-at-least-32-characters';
const storeId = randomUUID();

function refusal(fn: () => unknown): ConnectionSealingError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConnectionSealingError) return err;
    throw err;
  }
  throw new Error('expected the sealed value to be refused');
}

describe('connection sealing', () => {
  const sealer = createConnectionSealer(SECRET);

  it('opens what it sealed, and never shows the plaintext', () => {
    const sealed = sealer.seal(storeId, 'credentials', '{"access_token":"shpat_secret"}');
    expect(Buffer.from(sealed).toString('latin1')).not.toContain('shpat_secret');
    expect(sealer.unseal(storeId, 'credentials', sealed)).toBe('{"access_token":"shpat_secret"}');
  });

  it('seals the same value differently each time (random IV)', () => {
    const a = Buffer.from(sealer.seal(storeId, 'credentials', 'same'));
    const b = Buffer.from(sealer.seal(storeId, 'credentials', 'same'));
    expect(a.equals(b)).toBe(false);
  });

  it('refuses a flipped bit anywhere after the version byte', () => {
    const sealed = Buffer.from(sealer.seal(storeId, 'credentials', 'consumer secret'));
    for (const at of [1, 13, 29, sealed.length - 1]) {
      const tampered = Buffer.from(sealed);
      tampered[at]! ^= 0x01;
      expect(refusal(() => sealer.unseal(storeId, 'credentials', tampered)).code).toBe('tampered');
    }
  });

  it("refuses a value moved to another store's row or another column", () => {
    const sealed = sealer.seal(storeId, 'credentials', 'token');
    expect(refusal(() => sealer.unseal(randomUUID(), 'credentials', sealed)).code).toBe('tampered');
    expect(refusal(() => sealer.unseal(storeId, 'webhook_secret', sealed)).code).toBe('tampered');
  });

  it('refuses a value sealed under another secret', () => {
    const other = createConnectionSealer('another-sealing-secret-of-32-characters!');
    const sealed = other.seal(storeId, 'credentials', 'token');
    expect(refusal(() => sealer.unseal(storeId, 'credentials', sealed)).code).toBe('tampered');
  });

  it('names an unknown key version and a truncated value', () => {
    const sealed = Buffer.from(sealer.seal(storeId, 'credentials', 'token'));
    sealed[0] = 2;
    expect(refusal(() => sealer.unseal(storeId, 'credentials', sealed)).code).toBe('unknown_key_version');
    expect(refusal(() => sealer.unseal(storeId, 'credentials', sealed.subarray(0, 20))).code).toBe(
      'truncated',
    );
  });
});
