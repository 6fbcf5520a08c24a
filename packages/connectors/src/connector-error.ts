import type { SyncErrorCode } from '@nlyzer/contracts';

/**
 * Why talking to a platform failed. The codes are the sync runs' error codes, so a run
 * records what its connector threw without translating.
 * - platform_auth_failed: credentials refused (401/403, revoked token, uninstalled app);
 * - platform_unavailable: network errors, timeouts, 5xx after retries, refused addresses;
 * - platform_rate_limited: still throttled after the connector waited and retried;
 * - invalid_platform_response: a body that is not the documented shape.
 */
export class ConnectorError extends Error {
  readonly code: Exclude<SyncErrorCode, 'error_rate_exceeded' | 'internal'>;
  /** Whether the same request may succeed later (a run retries; an auth failure does not). */
  readonly retryable: boolean;
  constructor(code: ConnectorError['code'], message: string, options: { cause?: unknown } = {}) {
    super(message, options);
    this.name = 'ConnectorError';
    this.code = code;
    this.retryable = code === 'platform_unavailable' || code === 'platform_rate_limited';
  }
}

export const isConnectorError = (err: unknown): err is ConnectorError => err instanceof ConnectorError;
