/**
 * Why a vector operation failed. A closed set so the search service and the sync worker
 * can map each one to their own error codes once (`upstream_*` → upstream_failed or
 * unavailable, the rest → internal).
 */
export type VectorIndexFailure =
  | 'dimension_mismatch'
  | 'snapshot_corrupt'
  | 'upstream_rejected'
  | 'upstream_unavailable';

export class VectorIndexError extends Error {
  readonly code: VectorIndexFailure;

  constructor(code: VectorIndexFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VectorIndexError';
    this.code = code;
  }
}

export function assertDimensions(values: Float32Array, dimensions: number, id: string): void {
  if (values.length !== dimensions) {
    throw new VectorIndexError(
      'dimension_mismatch',
      `vector ${id} has ${values.length} dimensions, the index expects ${dimensions}`,
    );
  }
}
