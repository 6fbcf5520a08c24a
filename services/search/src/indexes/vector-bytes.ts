import { endianness } from 'node:os';
import { type RawBuilder, sql } from 'kysely';

const LITTLE_ENDIAN = endianness() === 'LE';

/** `search.product_vectors.vector`: little-endian float32, whatever the machine's byte order. */
export function vectorToBytes(vector: Float32Array): Buffer {
  if (LITTLE_ENDIAN) return Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  const bytes = Buffer.alloc(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes;
}

export function vectorFromBytes(bytes: Uint8Array): Float32Array {
  const vector = new Float32Array(bytes.byteLength / 4);
  if (LITTLE_ENDIAN) {
    // Copied: a driver's buffer may be a view into a larger, unaligned one.
    new Uint8Array(vector.buffer).set(bytes);
    return vector;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < vector.length; i++) vector[i] = view.getFloat32(i * 4, true);
  return vector;
}

/*
 * Bytes cross the database protocol as hex text the database encodes and decodes itself:
 * PGlite's own bytea (de)serialisers go through a JS string per byte, which made them
 * the main thread's largest cost while a catalog indexes (~90 KB of vectors and
 * keypoints a product written, the vectors read back by the index catch-up). Node's hex
 * codec is native; Postgres takes the same SQL.
 */

/** A bytea value to insert. */
export function byteaValue(bytes: Uint8Array): RawBuilder<Uint8Array> {
  return sql<Uint8Array>`decode(${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}, 'hex')`;
}

/** A bytea column read as hex (see `vectorFromHex`). */
export function byteaAsHex(column: string): RawBuilder<string> {
  return sql<string>`encode(${sql.ref(column)}, 'hex')`;
}

export function vectorFromHex(hex: string): Float32Array {
  return vectorFromBytes(Buffer.from(hex, 'hex'));
}
