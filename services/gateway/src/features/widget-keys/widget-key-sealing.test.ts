import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createWidgetKeySealer } from './widget-key-sealing.ts';

describe('widget key sealing', () => {
  const sealer = createWidgetKeySealer('s'.repeat(40));
  const key = `nlz_pk_${'A'.repeat(43)}`;

  it('opens what it sealed, and never shows the key in the sealed form', () => {
    const keyId = randomUUID();
    const sealed = sealer.seal(keyId, key);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(key.slice(7));
    expect(sealer.open(keyId, sealed)).toBe(key);
    // A fresh nonce each time: equal keys do not seal to equal values.
    expect(sealer.seal(keyId, key)).not.toBe(sealed);
  });

  it('refuses a value moved to another key, tampered with, sealed under another secret or not sealed', () => {
    const keyId = randomUUID();
    const sealed = sealer.seal(keyId, key);
    expect(() => sealer.open(randomUUID(), sealed)).toThrow();
    const body = Buffer.from(sealed.slice(3), 'base64url');
    body[body.length - 1]! ^= 1;
    expect(() => sealer.open(keyId, `v1.${body.toString('base64url')}`)).toThrow();
    expect(() => createWidgetKeySealer('t'.repeat(40)).open(keyId, sealed)).toThrow();
    expect(() => sealer.open(keyId, key)).toThrow(/not a sealed widget key/);
    expect(() => sealer.open(keyId, `v2.${sealed.slice(3)}`)).toThrow(/not a sealed widget key/);
  });
});
