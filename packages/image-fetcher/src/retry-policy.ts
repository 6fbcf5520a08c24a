/** First retry waits up to this long; each further one doubles it. */
const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 5_000;

/**
 * Exponential backoff with full jitter: a random wait below the doubling ceiling, so many
 * fetchers failing against the same CDN at once do not retry in lock-step.
 */
export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.round(ceiling * random());
}

/**
 * Milliseconds a Retry-After header asks for: delta-seconds or an HTTP-date (RFC 9110
 * §10.2.3). Undefined when absent or unreadable, so the caller falls back to backoff.
 */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // Every HTTP-date form starts with a day name; Date.parse alone would read '-5' as a year.
  const at = /^[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
