/** The closed set of failures the bus package reports itself. */
export const BUS_ERROR_CODES = [
  /** `emit` got a payload that does not match the topic's schema (or an envelope failed validation). */
  'invalid_event',
  /** A topic name that is not in the contracts' topic catalog. */
  'unknown_topic',
  /** The catalog names another service as the topic's publisher. */
  'publisher_not_allowed',
  /** A consumer handler called `emit` but its consumer was created without an outbox. */
  'outbox_not_configured',
  /** `publish` or `subscribe` after `close()`. */
  'bus_closed',
  /** A subscription name was subscribed twice on one bus. */
  'duplicate_subscription',
  /** `replayDeadLetter` got an id that does not exist. */
  'dead_letter_not_found',
  /** The dead letter holds no valid envelope (the original message was malformed). */
  'dead_letter_not_replayable',
  /** The dead letter was replayed already; replaying twice would repeat its effect. */
  'dead_letter_already_replayed',
  /** The same event is still in the outbox from another replay; retry once the relay published it. */
  'dead_letter_replay_pending',
] as const;

export type BusErrorCode = (typeof BUS_ERROR_CODES)[number];

export class BusError extends Error {
  override readonly name = 'BusError';
  readonly code: BusErrorCode;
  /** Validation messages for `invalid_event`. */
  readonly errors: readonly string[];

  constructor(
    code: BusErrorCode,
    message: string,
    options?: { cause?: unknown; errors?: readonly string[] },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.errors = options?.errors ?? [];
  }
}

export function isBusError(err: unknown, code?: BusErrorCode): err is BusError {
  return err instanceof BusError && (code === undefined || err.code === code);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
