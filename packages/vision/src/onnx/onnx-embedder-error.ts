/**
 * Why the ONNX embedder could not load or run. A closed set so the service wiring it
 * can map each one to its own error codes once; messages name the file or field.
 */
export type OnnxEmbedderFailure =
  | 'model_missing'
  | 'model_invalid'
  | 'manifest_missing'
  | 'manifest_invalid'
  | 'inference_failed';

export class OnnxEmbedderError extends Error {
  readonly code: OnnxEmbedderFailure;

  constructor(code: OnnxEmbedderFailure, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'OnnxEmbedderError';
    this.code = code;
  }
}
