import type { ProblemFieldError } from '@nlyzer/contracts';

/**
 * The closed set of error codes every service answers with. Codes are specific (a client
 * can branch on `email_taken`); the HTTP status and title come from this one map, so no
 * handler ever picks a status code itself.
 */
export const ERROR_CODES = {
  validation_failed: { status: 400, title: 'Validation failed' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  bad_request: { status: 400, title: 'Bad request' },
  unauthenticated: { status: 401, title: 'Authentication required' },
  invalid_credentials: { status: 401, title: 'Invalid credentials' },
  credentials_expired: { status: 401, title: 'Credentials expired' },
  invalid_signature: { status: 401, title: 'Invalid signature' },
  forbidden: { status: 403, title: 'Forbidden' },
  origin_not_allowed: { status: 403, title: 'Origin not allowed' },
  step_up_required: { status: 403, title: 'Recent authentication required' },
  not_found: { status: 404, title: 'Not found' },
  conflict: { status: 409, title: 'Conflict' },
  email_taken: { status: 409, title: 'Email already registered' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported media type' },
  unprocessable: { status: 422, title: 'Unprocessable content' },
  image_empty: { status: 400, title: 'Empty image' },
  image_unsupported_format: { status: 415, title: 'Unsupported image format' },
  image_too_large: { status: 413, title: 'Image too large' },
  image_corrupt: { status: 422, title: 'Corrupt image' },
  rate_limited: { status: 429, title: 'Too many requests' },
  quota_exceeded: { status: 429, title: 'Plan quota exceeded' },
  internal: { status: 500, title: 'Internal error' },
  upstream_failed: { status: 502, title: 'Upstream provider failed' },
  unavailable: { status: 503, title: 'Service unavailable' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;
export type FieldError = ProblemFieldError;

/** The `type` member of a problem: a stable URN per code (RFC 9457 allows any URI). */
export function problemType(code: ErrorCode): string {
  return `urn:nlyzer:problem:${code}`;
}

export interface AppErrorOptions {
  /** One entry per offending field, `path` a JSON pointer into the request (`/body/email`). */
  errors?: FieldError[];
  /** Response headers that belong to the error, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

/** The only error a handler throws on purpose; the problem+json plugin turns it into a response. */
export class AppError extends Error {
  override readonly name = 'AppError';
  readonly code: ErrorCode;
  /** Human-readable explanation for this occurrence; sent to the client, so never secrets or PII of others. */
  readonly detail: string;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string>;

  constructor(code: ErrorCode, detail: string = ERROR_CODES[code].title, options: AppErrorOptions = {}) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = detail;
    this.errors = options.errors;
    this.headers = options.headers ?? {};
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }
}

export function isAppError(err: unknown, code?: ErrorCode): err is AppError {
  return err instanceof AppError && (code === undefined || err.code === code);
}

export const notFound = (detail?: string) => new AppError('not_found', detail);
export const conflict = (detail?: string) => new AppError('conflict', detail);
export const forbidden = (detail?: string) => new AppError('forbidden', detail);
export const unauthenticated = (detail?: string) => new AppError('unauthenticated', detail);

export function validationFailed(errors: FieldError[], detail = 'The request has invalid fields'): AppError {
  return new AppError('validation_failed', detail, { errors });
}

/** 429 with Retry-After in whole seconds. */
export function rateLimited(retryAfterSeconds: number, detail?: string): AppError {
  return new AppError('rate_limited', detail, {
    headers: { 'retry-after': String(Math.ceil(retryAfterSeconds)) },
  });
}

export function unavailable(detail?: string, retryAfterSeconds?: number): AppError {
  const headers: Record<string, string> = {};
  if (retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.ceil(retryAfterSeconds));
  return new AppError('unavailable', detail, { headers });
}
