/**
 * Why an image upload was refused. A closed set so callers (the search service's
 * intake, the sync worker) can map each one to their own error codes once.
 */
export type ImageRejection = 'image_unsupported_format' | 'image_too_large' | 'image_corrupt' | 'image_empty';

export class ImageRejectedError extends Error {
  readonly code: ImageRejection;

  constructor(code: ImageRejection, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'ImageRejectedError';
    this.code = code;
  }
}
