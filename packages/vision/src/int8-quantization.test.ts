import { describe, expect, it } from 'vitest';
import { dequantizeInt8, int8Dot, quantizeInt8 } from './int8-quantization.ts';

function unitVector(seed: number, length: number): Float32Array {
  const v = new Float32Array(length);
  let s = seed;
  let norm = 0;
  for (let i = 0; i < length; i++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[i] = s / 2147483648 - 0.5;
    norm += v[i]! * v[i]!;
  }
  return v.map((x) => x / Math.sqrt(norm));
}

describe('int8 quantisation', () => {
  it('round-trips every component within max|v| / 254', () => {
    const v = unitVector(1, 632);
    const maxAbs = Math.max(...Array.from(v, Math.abs));
    const back = dequantizeInt8(quantizeInt8(v));
    for (let i = 0; i < v.length; i++)
      expect(Math.abs(back[i]! - v[i]!)).toBeLessThanOrEqual(maxAbs / 254 + 1e-7);
  });

  it('keeps dot products of unit vectors within 0.01', () => {
    const a = unitVector(2, 632);
    const b = a.map((x, i) => x + (i % 3 === 0 ? 0.02 : 0));
    const exact = a.reduce((sum, x, i) => sum + x * b[i]!, 0);
    expect(Math.abs(int8Dot(quantizeInt8(a), quantizeInt8(b)) - exact)).toBeLessThan(0.01);
  });

  it('maps the zero vector to zeros', () => {
    expect(Array.from(dequantizeInt8(quantizeInt8(new Float32Array(4))))).toEqual([0, 0, 0, 0]);
  });
});
