import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from './retry-policy.ts';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-01-10T12:00:00Z');

  it('reads delta-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
  });

  it('reads an HTTP-date relative to now, never negative', () => {
    expect(parseRetryAfter('Sat, 10 Jan 2026 12:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sat, 10 Jan 2026 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
  });
});

describe('backoffDelay', () => {
  it('doubles its ceiling per attempt and caps it', () => {
    expect([0, 1, 2, 3].map((n) => backoffDelay(n, () => 1))).toEqual([250, 500, 1000, 2000]);
    expect(backoffDelay(10, () => 1)).toBe(5000);
  });

  it('jitters below the ceiling', () => {
    expect(backoffDelay(2, () => 0)).toBe(0);
    expect(backoffDelay(2, () => 0.5)).toBe(500);
  });
});
