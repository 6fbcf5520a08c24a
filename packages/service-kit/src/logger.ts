import type { IncomingHttpHeaders } from 'node:http';
import { type DestinationStream, type Level, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/** pino level → Cloud Logging LogSeverity. */
const SEVERITY: Record<Level, string> = {
  trace: 'DEBUG',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARNING',
  error: 'ERROR',
  fatal: 'CRITICAL',
};

/** Keys whose values never reach a log line, at any of the first four levels of nesting. */
const SENSITIVE_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'x-api-key',
  'password',
  'token',
  'access_token',
  'refresh_token',
  'secret',
  'client_secret',
  'api_key',
  'email',
  'phone',
];

const REDACT_PATHS = SENSITIVE_KEYS.flatMap((key) => [
  `["${key}"]`,
  `*["${key}"]`,
  `*.*["${key}"]`,
  `*.*.*["${key}"]`,
]);

export interface CreateLoggerOptions {
  /** Reported as `serviceContext.service`, which Error Reporting groups by. */
  service: string;
  level?: string;
  version?: string;
}

/**
 * JSON lines in Cloud Logging's structured format: `severity`, `message`, ISO `time`,
 * `serviceContext`; errors carry `stack_trace` so Error Reporting picks them up.
 */
export function createLogger(options: CreateLoggerOptions, destination?: DestinationStream): Logger {
  const serviceContext = {
    service: options.service,
    ...(options.version ? { version: options.version } : {}),
  };
  return pino(
    {
      level: options.level ?? 'info',
      messageKey: 'message',
      base: { serviceContext },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: {
        level: (label) => ({ severity: SEVERITY[label as Level] ?? 'DEFAULT' }),
        log: (entry) => {
          const err = entry.err as { stack?: unknown } | undefined;
          return typeof err?.stack === 'string' ? { ...entry, stack_trace: err.stack } : entry;
        },
      },
    },
    destination,
  );
}

/**
 * Cloud Logging's trace fields from `X-Cloud-Trace-Context` (TRACE/SPAN;o=1) or W3C
 * `traceparent`, so a request's lines group under its trace in the console.
 */
export function traceFields(headers: IncomingHttpHeaders, projectId?: string): Record<string, unknown> {
  let traceId: string | undefined;
  let spanId: string | undefined;
  let sampled = false;
  const traceparent = headers.traceparent;
  const cloud = headers['x-cloud-trace-context'];
  const w3c =
    typeof traceparent === 'string' && /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/.exec(traceparent);
  if (w3c) {
    traceId = w3c[1];
    spanId = w3c[2];
    sampled = (Number.parseInt(w3c[3]!, 16) & 1) === 1;
  } else if (typeof cloud === 'string') {
    const match = /^([0-9a-f]{32})(?:\/(\d+))?(?:;o=([01]))?$/.exec(cloud);
    if (match) {
      traceId = match[1];
      spanId = match[2] === undefined ? undefined : BigInt(match[2]).toString(16).padStart(16, '0');
      sampled = match[3] === '1';
    }
  }
  if (!traceId) return {};
  return {
    'logging.googleapis.com/trace': projectId ? `projects/${projectId}/traces/${traceId}` : traceId,
    ...(spanId ? { 'logging.googleapis.com/spanId': spanId } : {}),
    'logging.googleapis.com/trace_sampled': sampled,
  };
}

const SENSITIVE_QUERY = /token|key|secret|password|signature|code|email/i;

/** The request URL for `httpRequest.requestUrl`, with credential-like query values blanked. */
export function loggableUrl(url: string): string {
  const queryAt = url.indexOf('?');
  if (queryAt === -1) return url;
  const params = new URLSearchParams(url.slice(queryAt + 1));
  for (const name of new Set(params.keys())) {
    if (SENSITIVE_QUERY.test(name)) params.set(name, '[REDACTED]');
  }
  return `${url.slice(0, queryAt)}?${params.toString()}`;
}
