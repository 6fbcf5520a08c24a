/** Per-client-IP limit for a public route (`config.rateLimit`): counted per route, per minute. */
export function perIpPerMinute(max: number) {
  return { max, timeWindow: 60_000 };
}
