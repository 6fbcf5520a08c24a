export type WebhookVerificationErrorCode = 'signature_missing' | 'signature_invalid' | 'payload_invalid';

/**
 * Why a platform's webhook delivery was refused. The route answers 401 for a bad or missing
 * signature (the platform retries, an attacker learns nothing) and 400 for a signed body that
 * is not the documented shape.
 */
export class WebhookVerificationError extends Error {
  readonly code: WebhookVerificationErrorCode;
  constructor(code: WebhookVerificationErrorCode, message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
    this.code = code;
  }
}

export const isWebhookVerificationError = (err: unknown): err is WebhookVerificationError =>
  err instanceof WebhookVerificationError;
