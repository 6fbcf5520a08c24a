import { describe, expect, it } from 'vitest';
import type { LocalFeatures } from './geometric-verifier.ts';
import { decodeLocalFeatures, encodeLocalFeatures, LocalFeaturesError } from './local-features-codec.ts';

function sample(count: number): LocalFeatures {
  const points = new Float32Array(count * 2);
  const descriptors = new Uint8Array(count * 32);
  for (let i = 0; i < count; i++) {
    points[i * 2] = (i * 37.31) % 400;
    points[i * 2 + 1] = (i * 91.77) % 300;
  }
  for (let i = 0; i < descriptors.length; i++) descriptors[i] = (i * 131 + 7) % 256;
  return { points, descriptors };
}

describe('local features codec', () => {
  it('round-trips descriptors exactly and positions to 1/32 px in 4 + 36 bytes a point', () => {
    const features = sample(250);
    const bytes = encodeLocalFeatures(features);
    expect(bytes.length).toBe(4 + 36 * 250);
    const decoded = decodeLocalFeatures(bytes);
    expect(Array.from(decoded.descriptors)).toEqual(Array.from(features.descriptors));
    expect(decoded.points.length).toBe(features.points.length);
    for (let i = 0; i < features.points.length; i++) {
      expect(Math.abs(decoded.points[i]! - features.points[i]!)).toBeLessThanOrEqual(1 / 32);
    }
  });

  it('reads features stored at any offset of a larger buffer (as a bytea arrives)', () => {
    const bytes = encodeLocalFeatures(sample(3));
    const padded = new Uint8Array(bytes.length + 5);
    padded.set(bytes, 5);
    const decoded = decodeLocalFeatures(padded.subarray(5));
    expect(decoded.points.length).toBe(6);
    expect(decoded.descriptors.byteOffset % 4).toBe(0);
  });

  it('encodes an image without keypoints', () => {
    const empty = decodeLocalFeatures(encodeLocalFeatures(sample(0)));
    expect(empty.points.length).toBe(0);
    expect(empty.descriptors.length).toBe(0);
  });

  it('refuses truncated bytes and unknown formats with a typed code', () => {
    const bytes = encodeLocalFeatures(sample(10));
    const failure = (input: Uint8Array): string | undefined => {
      try {
        decodeLocalFeatures(input);
        return undefined;
      } catch (error) {
        return error instanceof LocalFeaturesError ? error.code : 'untyped';
      }
    };
    expect(failure(bytes.subarray(0, 2))).toBe('local_features_truncated');
    expect(failure(bytes.subarray(0, bytes.length - 1))).toBe('local_features_truncated');
    const future = bytes.slice();
    future[0] = 9;
    expect(failure(future)).toBe('local_features_unknown_format');
  });
});
