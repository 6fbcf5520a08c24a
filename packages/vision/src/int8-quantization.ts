/**
 * Symmetric per-vector int8 quantisation: one float scale per vector, values in
 * [-127, 127]. Quarters the size of stored vectors; each component is off by at most
 * scale / 2 = max|v| / 254 after the round trip.
 */
export interface Int8Vector {
  values: Int8Array;
  scale: number;
}

export function quantizeInt8(vector: Float32Array): Int8Vector {
  let maxAbs = 0;
  for (let i = 0; i < vector.length; i++) maxAbs = Math.max(maxAbs, Math.abs(vector[i]!));
  const scale = maxAbs > 0 ? maxAbs / 127 : 1;
  const values = new Int8Array(vector.length);
  for (let i = 0; i < vector.length; i++) values[i] = Math.round(vector[i]! / scale);
  return { values, scale };
}

export function dequantizeInt8({ values, scale }: Int8Vector): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = values[i]! * scale;
  return out;
}

/** Dot product of two quantised vectors, computed on the integers. */
export function int8Dot(a: Int8Vector, b: Int8Vector): number {
  let sum = 0;
  for (let i = 0; i < a.values.length; i++) sum += a.values[i]! * b.values[i]!;
  return sum * a.scale * b.scale;
}
