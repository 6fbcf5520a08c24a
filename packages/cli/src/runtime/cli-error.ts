/** The closed set of failures the `nlyzer` command reports itself (exit code 1, message only). */
export const CLI_ERROR_CODES = [
  /** `serve`/`migrate --service` named a service the workspace does not have (or cannot run yet). */
  'service_not_found',
  /** A package under services/ exports a `service` the service catalog does not know. */
  'service_invalid',
  /** `dev --distributed` lacks the real infrastructure's variables. */
  'missing_environment',
  /** Another `nlyzer dev` already holds the data directory. */
  'dev_server_running',
  /** `dlq replay` was given neither ids nor --all, or ids that are not numbers; `seed catalog` got a bad count or id. */
  'invalid_arguments',
  /** A port `nlyzer dev` wants is taken. */
  'port_in_use',
  /** A command needs tables `nlyzer migrate` has not created yet. */
  'database_not_migrated',
  /** `seed catalog` found no store to load into. */
  'no_store',
  /** `connect`/`sync` got a refusal from the gateway, or no answer. */
  'request_failed',
  /** `connect` followed an onboarding that failed or stalled. */
  'onboarding_failed',
] as const;

export type CliErrorCode = (typeof CLI_ERROR_CODES)[number];

export class CliError extends Error {
  override readonly name = 'CliError';
  readonly code: CliErrorCode;

  constructor(code: CliErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
