/**
 * Why a call to OpenAI failed, after the SDK's own retries. A closed set so the search
 * service can map each one to its own error codes once (e.g. rate_limited → 503 with
 * Retry-After, unauthorized → an operator alert).
 */
export type OpenAiEmbedderFailure =
  | 'unauthorized'
  | 'rate_limited'
  | 'timeout'
  | 'upstream_unavailable'
  | 'request_rejected'
  | 'refused'
  | 'invalid_response';

export class OpenAiEmbedderError extends Error {
  readonly code: OpenAiEmbedderFailure;
  /** HTTP status OpenAI answered with, when it answered. */
  readonly status: number | undefined;
  /** OpenAI's x-request-id, to quote to their support. */
  readonly requestId: string | undefined;

  constructor(
    code: OpenAiEmbedderFailure,
    message: string,
    options?: { cause?: unknown; status?: number | undefined; requestId?: string | null | undefined },
  ) {
    super(message, options);
    this.name = 'OpenAiEmbedderError';
    this.code = code;
    this.status = options?.status;
    this.requestId = options?.requestId ?? undefined;
  }
}
