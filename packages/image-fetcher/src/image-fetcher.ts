import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pLimit from 'p-limit';
import { Agent, type Dispatcher } from 'undici';
import { createAddressPolicy } from './address-policy.ts';
import { createConnectGuard, type ResolveHost, resolveWithSystem } from './connect-guard.ts';
import { ImageFetchError } from './image-fetch-error.ts';
import { parseImageUrl } from './image-url.ts';
import { checkImageHeaders, header, mediaType, tooLargeMessage } from './response-checks.ts';
import { backoffDelay, parseRetryAfter } from './retry-policy.ts';

export interface ImageFetcherOptions {
  /**
   * Let URLs reach loopback, private and link-local addresses. Local development only
   * (stores on 127.0.0.1 or a LAN); never in a deployed service. Default false.
   */
  allowPrivateNetworks?: boolean;
  /** CIDR ranges let through although not public, e.g. `['10.20.0.0/16']` for a staging store. */
  allowedPrivateRanges?: readonly string[];
  /** Deadline for one `fetch()` once it has a slot: DNS, every attempt, redirect, backoff wait and the body. */
  timeoutMs?: number;
  /** Largest body accepted, checked against Content-Length first and then while streaming. */
  maxBytes?: number;
  maxRedirects?: number;
  /** Further attempts after the first, on network errors, 408, 429 and 5xx. */
  retries?: number;
  /** Fetches in flight at once for this fetcher; more wait in a queue. */
  concurrency?: number;
  userAgent?: string;
  /** Resolves a hostname to all its addresses; defaults to the system resolver (getaddrinfo). */
  lookup?: ResolveHost;
}

export interface FetchedImage {
  /** The URL as the caller passed it. */
  url: string;
  /** Where the bytes came from after redirects. */
  finalUrl: string;
  bytes: Buffer;
  /** Media type without parameters, lower-cased (`image/jpeg`); null when the server sent none. */
  contentType: string | null;
  /** Hex SHA-256 of `bytes`, e.g. to skip re-embedding an unchanged image. */
  sha256: string;
  /** Time from getting a concurrency slot to the last byte, retries included. */
  durationMs: number;
  /** The validators the server sent, to revalidate this image next time with `fetchIfChanged`. */
  etag: string | null;
  lastModified: string | null;
}

/** What a previous download's response said about its version (its ETag and Last-Modified headers). */
export interface ImageValidators {
  etag: string | null;
  lastModified: string | null;
}

/** A conditional request the server answered 304 Not Modified: the copy the caller has is current. */
export interface UnchangedImage {
  url: string;
  finalUrl: string;
  notModified: true;
  /** The validators the 304 carried, falling back to the ones sent when it carried none. */
  etag: string | null;
  lastModified: string | null;
  durationMs: number;
}

export interface ImageFetcher {
  /**
   * Downloads one image. Rejects with an `ImageFetchError`, or with `signal.reason` when
   * the caller aborts (also while queued for a slot).
   */
  fetch(url: string, signal?: AbortSignal): Promise<FetchedImage>;
  /**
   * Downloads one image unless the server says the version named by `validators` is still
   * current (If-None-Match / If-Modified-Since answered 304), in which case no body is read.
   * Without any validator it is a plain `fetch`.
   */
  fetchIfChanged(
    url: string,
    validators: ImageValidators,
    signal?: AbortSignal,
  ): Promise<FetchedImage | UnchangedImage>;
  /** Rejects queued fetches with an AbortError, lets running ones finish, then closes connections. */
  close(): Promise<void>;
}

const DEFAULTS = {
  timeoutMs: 10_000,
  maxBytes: 5 * 1024 * 1024,
  maxRedirects: 3,
  retries: 2,
  concurrency: 8,
  userAgent: 'NLyzerBot/1.0 (+https://nlyzer.dev/bot)',
};

type Retrieved = Omit<FetchedImage, 'url' | 'durationMs'> | Omit<UnchangedImage, 'url' | 'durationMs'>;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The formats the vision package decodes first, anything else as a fallback. */
const ACCEPT = 'image/avif,image/webp,image/png,image/jpeg,image/*;q=0.8,*/*;q=0.1';

const NETWORK_ERROR_REASONS: Record<string, string> = {
  ECONNREFUSED: 'the server refused the connection',
  ECONNRESET: 'the connection was reset',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  UND_ERR_SOCKET: 'the connection closed unexpectedly',
  UND_ERR_CONNECT_TIMEOUT: 'the connection timed out',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
};

/**
 * A downloader for merchant-supplied image URLs that cannot be turned against our own
 * network (SSRF): every address a host resolves to must be public, the socket connects
 * to the very addresses that were checked (DNS rebinding), literal IPs and every redirect
 * hop are checked too. Bodies are bounded in size and time and never decompressed; the
 * bytes are not decoded here, callers do that (`@nlyzer/vision`'s `decodeImage`).
 */
export function createImageFetcher(options: ImageFetcherOptions = {}): ImageFetcher {
  // Destructuring defaults, unlike a spread, also replace options passed as undefined.
  const {
    timeoutMs = DEFAULTS.timeoutMs,
    maxBytes = DEFAULTS.maxBytes,
    maxRedirects = DEFAULTS.maxRedirects,
    retries = DEFAULTS.retries,
    concurrency = DEFAULTS.concurrency,
    userAgent = DEFAULTS.userAgent,
  } = options;
  const guard = createConnectGuard(
    options.lookup ?? resolveWithSystem,
    createAddressPolicy({
      allowPrivateNetworks: options.allowPrivateNetworks ?? false,
      allowedPrivateRanges: options.allowedPrivateRanges ?? [],
    }),
  );
  const agent = new Agent({ connect: { lookup: guard.lookup } });
  const limit = pLimit({ concurrency, rejectOnClear: true });
  const running = new Set<Promise<FetchedImage | UnchangedImage>>();
  const headers = { 'user-agent': userAgent, accept: ACCEPT, 'accept-encoding': 'identity' };
  let closing: Promise<void> | undefined;

  /** One attempt: follows redirects, each hop checked again, and reads the body unless it is unchanged. */
  async function attempt(
    url: URL,
    signal: AbortSignal,
    validators: ImageValidators | undefined,
  ): Promise<Retrieved> {
    const conditions = conditionalHeaders(validators);
    const conditional = Object.keys(conditions).length > 0;
    const requestHeaders = { ...headers, ...conditions };
    let current = url;
    for (let redirects = 0; ; redirects++) {
      guard.checkLiteralHost(current);
      const response = await send(current, signal, requestHeaders);
      const { statusCode: status, headers: responseHeaders, body } = response;
      const location = header(responseHeaders, 'location');
      if (REDIRECT_STATUSES.has(status) && location !== undefined) {
        await body.dump();
        if (redirects >= maxRedirects) {
          throw new ImageFetchError(
            'too_many_redirects',
            `The image URL redirected more than ${maxRedirects} times (last from ${current.host})`,
          );
        }
        current = parseImageUrl(location, current);
        continue;
      }
      if (status === 304 && conditional) {
        await body.dump();
        return {
          finalUrl: current.href,
          notModified: true,
          etag: header(responseHeaders, 'etag') ?? validators?.etag ?? null,
          lastModified: header(responseHeaders, 'last-modified') ?? validators?.lastModified ?? null,
        };
      }
      if (status < 200 || status > 299) {
        await body.dump();
        throw new ImageFetchError('http_error', `${current.host} answered HTTP ${status}`, {
          status,
          retryAfterMs: parseRetryAfter(header(responseHeaders, 'retry-after')),
        });
      }
      try {
        checkImageHeaders(responseHeaders, current.host, maxBytes);
      } catch (err) {
        // Hanging up is cheaper than downloading a body we already refused.
        body.on('error', () => {}).destroy();
        throw err;
      }
      return {
        finalUrl: current.href,
        contentType: mediaType(responseHeaders),
        etag: header(responseHeaders, 'etag') ?? null,
        lastModified: header(responseHeaders, 'last-modified') ?? null,
        ...(await readBody(body, current)),
      };
    }
  }

  async function send(
    url: URL,
    signal: AbortSignal,
    requestHeaders: Record<string, string>,
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: 'GET',
        headers: requestHeaders,
        signal,
      });
    } catch (err) {
      throw asFetchError(err, url.host);
    }
  }

  async function readBody(body: Dispatcher.ResponseData['body'], url: URL) {
    const hash = createHash('sha256');
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.length;
        // Leaving the loop destroys the stream, so the rest is never downloaded.
        if (size > maxBytes) throw new ImageFetchError('too_large', tooLargeMessage(url.host, maxBytes));
        hash.update(chunk);
        chunks.push(chunk);
      }
    } catch (err) {
      throw asFetchError(err, url.host);
    }
    return { bytes: Buffer.concat(chunks, size), sha256: hash.digest('hex') };
  }

  async function fetchWithRetries(
    raw: string,
    url: URL,
    validators: ImageValidators | undefined,
    callerSignal?: AbortSignal,
  ): Promise<FetchedImage | UnchangedImage> {
    if (closing !== undefined) throw fetcherClosed();
    callerSignal?.throwIfAborted();
    const started = performance.now();
    const deadline = AbortSignal.timeout(timeoutMs);
    const signal = callerSignal === undefined ? deadline : AbortSignal.any([callerSignal, deadline]);
    // Whatever failed once the deadline or the caller aborted is reported as that.
    const outcome = (err: unknown): ImageFetchError => {
      if (callerSignal?.aborted) throw callerSignal.reason;
      if (deadline.aborted) {
        return new ImageFetchError(
          'timeout',
          `The image from ${url.host} did not arrive within ${timeoutMs} ms`,
          {
            cause: err,
          },
        );
      }
      return asFetchError(err, url.host);
    };
    for (let attemptNo = 0; ; attemptNo++) {
      let failure: ImageFetchError;
      try {
        const fetched = await attempt(url, signal, validators);
        return { url: raw, ...fetched, durationMs: Math.round(performance.now() - started) };
      } catch (err) {
        failure = outcome(err);
      }
      const wait = failure.retryAfterMs ?? backoffDelay(attemptNo);
      const outlastsDeadline = performance.now() - started + wait >= timeoutMs;
      if (!failure.retryable || attemptNo >= retries || outlastsDeadline) throw failure;
      try {
        await sleep(wait, undefined, { signal });
      } catch (err) {
        throw outcome(err);
      }
    }
  }

  async function retrieve(
    raw: string,
    validators: ImageValidators | undefined,
    signal?: AbortSignal,
  ): Promise<FetchedImage | UnchangedImage> {
    if (closing !== undefined) throw fetcherClosed();
    signal?.throwIfAborted();
    const url = parseImageUrl(raw);
    const task = limit(() => {
      const run = fetchWithRetries(raw, url, validators, signal);
      running.add(run);
      return run.finally(() => running.delete(run));
    });
    return signal === undefined ? task : untilAborted(task, signal);
  }

  return {
    // Without validators no request is conditional, so nothing can come back unchanged.
    fetch: (raw, signal) => retrieve(raw, undefined, signal) as Promise<FetchedImage>,
    fetchIfChanged: retrieve,
    close() {
      closing ??= (async () => {
        limit.clearQueue();
        await Promise.allSettled(running);
        await agent.close();
      })();
      return closing;
    },
  };
}

/** If-None-Match wins over If-Modified-Since at the server (RFC 9110 §13.2.2); both are sent so either can match. */
function conditionalHeaders(validators: ImageValidators | undefined): Record<string, string> {
  const conditions: Record<string, string> = {};
  if (validators?.etag) conditions['if-none-match'] = validators.etag;
  if (validators?.lastModified) conditions['if-modified-since'] = validators.lastModified;
  return conditions;
}

/** An ImageFetchError found in the error or its causes (thrown inside the socket's lookup), else network_error. */
function asFetchError(err: unknown, host: string): ImageFetchError {
  for (let current = err; current instanceof Error; current = current.cause) {
    if (current instanceof ImageFetchError) return current;
  }
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const reason = (code && NETWORK_ERROR_REASONS[code]) ?? (err instanceof Error ? err.message : String(err));
  return new ImageFetchError('network_error', `Could not download from ${host}: ${reason}`, { cause: err });
}

function fetcherClosed(): DOMException {
  return new DOMException('The image fetcher is closed', 'AbortError');
}

/** Settles with the task, or with the signal's reason as soon as it aborts (a queued task then exits at once). */
function untilAborted<T>(task: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    task.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
