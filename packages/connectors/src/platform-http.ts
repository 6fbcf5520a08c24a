import { setTimeout as wait } from 'node:timers/promises';
import { createPublicNetworkAgent, isImageFetchError, type ResolveHost } from '@nlyzer/image-fetcher';
import type { Dispatcher } from 'undici';
import { ConnectorError } from './connector-error.ts';

export interface PlatformHttpOptions {
  /** Let requests reach loopback, private and link-local addresses (local development, tests). */
  allowPrivateNetworks?: boolean;
  /** CIDR ranges let through although not public (a staging store on a LAN). */
  allowedPrivateRanges?: readonly string[];
  lookup?: ResolveHost;
  /** Longest wait for response headers, and for each body chunk after that. */
  timeoutMs?: number;
  /** Further attempts after the first, on network errors, 429, 502, 503 and 504. */
  maxRetries?: number;
  /** How waits between attempts happen; tests inject one that records instead of sleeping. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface PlatformHttpConfig extends PlatformHttpOptions {
  userAgent?: string;
  defaultHeaders?: Record<string, string>;
}

export interface PlatformRequestInit {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  /** Statuses handed back to the caller instead of thrown (e.g. 404 for "already gone"). */
  acceptStatuses?: readonly number[];
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

export interface PlatformResponse {
  status: number;
  headers: ResponseHeaders;
  /** Where the answer came from after redirects. */
  url: URL;
  /** The body as a stream; read it or `dump()` it. */
  body: Dispatcher.ResponseData['body'];
}

export interface PlatformJsonResponse<T> {
  body: T;
  headers: ResponseHeaders;
  status: number;
}

export interface PlatformHttp {
  /** Sends a request, following redirects and retrying; throws `ConnectorError` for failures. */
  request(url: string | URL, init?: PlatformRequestInit): Promise<PlatformResponse>;
  /** `request` plus reading and parsing a JSON body (bounded in size). */
  json<T>(url: string | URL, init?: PlatformRequestInit): Promise<PlatformJsonResponse<T>>;
  close(): Promise<void>;
}

const DEFAULTS = {
  timeoutMs: 30_000,
  maxRetries: 4,
  userAgent: 'NLyzerSync/1.0 (+https://nlyzer.dev/bot)',
};
const MAX_REDIRECTS = 5;
const MAX_JSON_BYTES = 64 * 1024 * 1024;
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 15_000;
/** A Retry-After beyond this is cut down: a run would rather fail and retry later than hang. */
const RETRY_AFTER_CAP_MS = 120_000;
const RETRYABLE_STATUSES = new Set([429, 502, 503, 504]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The first value of a response header, whatever its case in the map. */
export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Exponential backoff with full jitter, so many syncs hitting one platform do not retry in step. */
function backoffDelay(attempt: number, random: () => number = Math.random): number {
  return Math.round(Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt) * random());
}

/** Milliseconds a Retry-After asks for (delta-seconds or HTTP-date), capped; undefined when unreadable. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(trimmed)) ms = Number(trimmed) * 1000;
  else {
    // Every HTTP-date form starts with a day name; Date.parse alone would read '-5' as a year.
    const at = /^[a-z]{3}/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
    if (Number.isNaN(at)) return undefined;
    ms = Math.max(0, at - now);
  }
  return Math.min(ms, RETRY_AFTER_CAP_MS);
}

/** A failed attempt: what to throw if no retry is left, and how long the server asked us to wait. */
interface AttemptFailure {
  error: ConnectorError;
  retryable: boolean;
  retryAfterMs?: number;
}

/**
 * The one HTTP client every connector talks to its platform with. Store URLs are supplied by
 * merchants, so it is SSRF-safe like the image fetcher: the socket's DNS lookup refuses
 * non-public addresses, literal IP hosts are checked before sending, redirects are followed
 * by hand with every hop checked again (and credentials dropped when the origin changes).
 */
export function createPlatformHttp(config: PlatformHttpConfig = {}): PlatformHttp {
  const timeoutMs = config.timeoutMs ?? DEFAULTS.timeoutMs;
  const maxRetries = config.maxRetries ?? DEFAULTS.maxRetries;
  const sleep = config.sleep ?? ((ms: number, signal?: AbortSignal) => wait(ms, undefined, { signal }));
  const network = createPublicNetworkAgent({
    allowPrivateNetworks: config.allowPrivateNetworks ?? false,
    allowedPrivateRanges: config.allowedPrivateRanges ?? [],
    ...(config.lookup === undefined ? {} : { lookup: config.lookup }),
  });
  const baseHeaders = { 'user-agent': config.userAgent ?? DEFAULTS.userAgent, ...config.defaultHeaders };

  async function attempt(start: URL, init: PlatformRequestInit): Promise<PlatformResponse | AttemptFailure> {
    let url = start;
    let method = init.method ?? 'GET';
    let body = init.body;
    let headers: Record<string, string> = { ...baseHeaders, ...init.headers };
    for (let redirects = 0; ; redirects++) {
      let response: Dispatcher.ResponseData;
      try {
        network.checkUrl(url);
        response = await network.agent.request({
          origin: url.origin,
          path: `${url.pathname}${url.search}`,
          method,
          headers,
          body: body ?? null,
          headersTimeout: timeoutMs,
          bodyTimeout: timeoutMs,
          ...(init.signal === undefined ? {} : { signal: init.signal }),
        });
      } catch (err) {
        init.signal?.throwIfAborted();
        return networkFailure(err, url);
      }
      const { statusCode: status, headers: responseHeaders } = response;
      const location = header(responseHeaders, 'location');
      if (REDIRECT_STATUSES.has(status) && location !== undefined) {
        await response.body.dump();
        if (redirects >= MAX_REDIRECTS) {
          return fatal('platform_unavailable', `${url.host} redirected more than ${MAX_REDIRECTS} times`);
        }
        const next = parseHttpUrl(location, url);
        if (next.origin !== url.origin) headers = withoutCredentials(headers);
        if (status === 303 || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
        }
        url = next;
        continue;
      }
      if ((status >= 200 && status < 300) || init.acceptStatuses?.includes(status)) {
        return { status, headers: responseHeaders, url, body: response.body };
      }
      const detail = await errorDetail(response.body);
      return statusFailure(status, url, detail, header(responseHeaders, 'retry-after'));
    }
  }

  async function request(target: string | URL, init: PlatformRequestInit = {}): Promise<PlatformResponse> {
    const url = typeof target === 'string' ? parseHttpUrl(target) : target;
    for (let attemptNo = 0; ; attemptNo++) {
      init.signal?.throwIfAborted();
      const outcome = await attempt(url, init);
      if (!('error' in outcome)) return outcome;
      if (!outcome.retryable || attemptNo >= maxRetries) throw outcome.error;
      try {
        await sleep(outcome.retryAfterMs ?? backoffDelay(attemptNo), init.signal);
      } catch (err) {
        // Timers reject with a generic AbortError; the caller's reason says why (a cancelled run).
        init.signal?.throwIfAborted();
        throw err;
      }
    }
  }

  async function json<T>(
    target: string | URL,
    init: PlatformRequestInit = {},
  ): Promise<PlatformJsonResponse<T>> {
    const response = await request(target, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
    });
    const text = await readText(response, MAX_JSON_BYTES);
    try {
      return { body: JSON.parse(text) as T, headers: response.headers, status: response.status };
    } catch (cause) {
      throw new ConnectorError(
        'invalid_platform_response',
        `${response.url.host} answered ${response.url.pathname} with a body that is not JSON`,
        { cause },
      );
    }
  }

  return { request, json, close: () => network.agent.close() };
}

/** Reads a whole body as UTF-8, refusing more than `maxBytes`. */
async function readText(response: PlatformResponse, maxBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > maxBytes) {
        throw new ConnectorError(
          'invalid_platform_response',
          `${response.url.host} sent more than ${maxBytes} bytes for ${response.url.pathname}`,
        );
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw new ConnectorError('platform_unavailable', `${response.url.host} broke off the response`, {
      cause: err,
    });
  }
  return Buffer.concat(chunks, size).toString('utf8');
}

/** An absolute http(s) URL, or a ConnectorError saying the address is unusable. */
export function parseHttpUrl(raw: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    throw new ConnectorError('invalid_platform_response', `"${raw.slice(0, 200)}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConnectorError(
      'invalid_platform_response',
      `${url.protocol} URLs are not fetched, only http(s)`,
    );
  }
  return url;
}

function withoutCredentials(headers: Record<string, string>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower !== 'authorization' && lower !== 'cookie' && !lower.startsWith('x-shopify-access'))
      kept[name] = value;
  }
  return kept;
}

function fatal(code: ConnectorError['code'], message: string): AttemptFailure {
  return { error: new ConnectorError(code, message), retryable: false };
}

function networkFailure(err: unknown, url: URL): AttemptFailure {
  for (let current = err; current instanceof Error; current = current.cause) {
    if (isImageFetchError(current, 'blocked_address')) {
      return {
        error: new ConnectorError(
          'platform_unavailable',
          `${current.message.replace(/; images must be served from the public internet$/, '')}: the address is not public, so NLyzer will not connect to it`,
          { cause: err },
        ),
        retryable: false,
      };
    }
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = code ?? (err instanceof Error ? err.message : String(err));
  return {
    error: new ConnectorError('platform_unavailable', `${url.host} could not be reached (${reason})`, {
      cause: err,
    }),
    retryable: true,
  };
}

function statusFailure(
  status: number,
  url: URL,
  detail: string,
  retryAfter: string | undefined,
): AttemptFailure {
  const what = `${url.host} answered HTTP ${status} for ${url.pathname}${detail}`;
  if (status === 401 || status === 403) return fatal('platform_auth_failed', what);
  if (status === 429) {
    return {
      error: new ConnectorError('platform_rate_limited', `${what}; still throttled after retrying`),
      retryable: true,
      ...optionalRetryAfter(retryAfter),
    };
  }
  if (RETRYABLE_STATUSES.has(status)) {
    return {
      error: new ConnectorError('platform_unavailable', what),
      retryable: true,
      ...optionalRetryAfter(retryAfter),
    };
  }
  if (status >= 500) return fatal('platform_unavailable', what);
  return fatal('invalid_platform_response', what);
}

function optionalRetryAfter(value: string | undefined): { retryAfterMs?: number } {
  const ms = parseRetryAfter(value);
  return ms === undefined ? {} : { retryAfterMs: ms };
}

/** A short excerpt of an error body (platforms explain refusals there); the rest is not downloaded. */
async function errorDetail(body: Dispatcher.ResponseData['body']): Promise<string> {
  let text = '';
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      text += chunk.toString('utf8');
      if (text.length >= 300) break;
    }
  } catch {
    // The status already says what went wrong; the body only adds detail.
  }
  const excerpt = text.slice(0, 300).replace(/\s+/g, ' ').trim();
  return excerpt === '' ? '' : `: ${excerpt}`;
}
