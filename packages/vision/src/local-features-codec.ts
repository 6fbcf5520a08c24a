import type { LocalFeatures } from './geometric-verifier.ts';

/**
 * Why stored local features could not be read. A closed set, like the image
 * rejections: the search service maps it to its own code once (a row written by an
 * older or newer format is re-extracted, not guessed at).
 */
export type LocalFeaturesFailure = 'local_features_truncated' | 'local_features_unknown_format';

export class LocalFeaturesError extends Error {
  readonly code: LocalFeaturesFailure;

  constructor(code: LocalFeaturesFailure, message: string) {
    super(message);
    this.name = 'LocalFeaturesError';
    this.code = code;
  }
}

/**
 * Bytes for Postgres `bytea`: a 4-byte header (format, reserved, point count as
 * uint16 LE), then x, y of every point as uint16 LE in 1/16 px (the detection frames
 * are ≤ 512 px, well inside 4096), then the 32-byte ORB descriptors as they are.
 * 36 bytes a point; positions are off by at most 1/32 px, far below RANSAC's tolerance.
 */
const FORMAT = 1;
const HEADER_BYTES = 4;
const POINT_BYTES = 4;
const DESCRIPTOR_BYTES = 32;
const SUBPIXEL = 16;
const MAX_COORDINATE = 0xffff / SUBPIXEL;

export function encodeLocalFeatures(features: LocalFeatures): Uint8Array {
  const count = Math.min(0xffff, features.points.length / 2);
  const bytes = new Uint8Array(HEADER_BYTES + count * (POINT_BYTES + DESCRIPTOR_BYTES));
  const view = new DataView(bytes.buffer);
  view.setUint8(0, FORMAT);
  view.setUint16(2, count, true);
  for (let i = 0; i < count * 2; i++) {
    const v = Math.min(MAX_COORDINATE, Math.max(0, features.points[i]!));
    view.setUint16(HEADER_BYTES + i * 2, Math.round(v * SUBPIXEL), true);
  }
  bytes.set(features.descriptors.subarray(0, count * DESCRIPTOR_BYTES), HEADER_BYTES + count * POINT_BYTES);
  return bytes;
}

export function decodeLocalFeatures(bytes: Uint8Array): LocalFeatures {
  if (bytes.length < HEADER_BYTES) {
    throw new LocalFeaturesError('local_features_truncated', `${bytes.length} bytes hold no header`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint8(0);
  if (format !== FORMAT) {
    throw new LocalFeaturesError('local_features_unknown_format', `format ${format}, expected ${FORMAT}`);
  }
  const count = view.getUint16(2, true);
  const expected = HEADER_BYTES + count * (POINT_BYTES + DESCRIPTOR_BYTES);
  if (bytes.length !== expected) {
    throw new LocalFeaturesError(
      'local_features_truncated',
      `${count} points need ${expected} bytes, got ${bytes.length}`,
    );
  }
  const points = new Float32Array(count * 2);
  for (let i = 0; i < count * 2; i++) points[i] = view.getUint16(HEADER_BYTES + i * 2, true) / SUBPIXEL;
  // a copy, so the descriptors are 4-byte aligned for the matcher's word-wise Hamming distance
  const start = HEADER_BYTES + count * POINT_BYTES;
  const descriptors = bytes.slice(start, start + count * DESCRIPTOR_BYTES);
  return { points, descriptors };
}
