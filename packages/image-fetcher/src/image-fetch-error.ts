/**
 * Why an image could not be fetched. A closed set so callers (the catalog API, the sync
 * worker) can map each one to their own codes once; messages name the host, never the
 * full URL (signed CDN URLs carry secrets in the query), and are meant to be shown to a
 * merchant in a sync log.
 */
export type ImageFetchFailure =
  | 'invalid_url'
  | 'blocked_address'
  | 'dns_failed'
  | 'timeout'
  | 'too_large'
  | 'http_error'
  | 'too_many_redirects'
  | 'network_error'
  | 'not_an_image';

export interface ImageFetchErrorOptions {
  /** The HTTP status, for `http_error`. */
  status?: number;
  /** How long the server asked us to wait (Retry-After), when it said so. */
  retryAfterMs?: number;
  cause?: unknown;
}

export class ImageFetchError extends Error {
  override readonly name = 'ImageFetchError';
  readonly code: ImageFetchFailure;
  readonly status: number | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(code: ImageFetchFailure, message: string, options: ImageFetchErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
  }

  /**
   * Whether the same URL may succeed later: network failures, timeouts, 408, 429 and 5xx.
   * The fetcher retries these itself while its deadline allows; a caller that still got
   * one can try again on its next run, the others need the merchant to fix the URL.
   */
  get retryable(): boolean {
    if (this.code === 'network_error' || this.code === 'timeout') return true;
    if (this.code !== 'http_error' || this.status === undefined) return false;
    return this.status === 408 || this.status === 429 || this.status >= 500;
  }
}

export function isImageFetchError(err: unknown, code?: ImageFetchFailure): err is ImageFetchError {
  return err instanceof ImageFetchError && (code === undefined || err.code === code);
}
