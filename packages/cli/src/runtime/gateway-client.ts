import type { Env } from '@nlyzer/service-kit';
import { CliError } from './cli-error.ts';

export interface GatewayClientOptions {
  /** The gateway's base URL (`--gateway`, else NLYZER_GATEWAY_URL, else http://localhost:8080). */
  gateway?: string;
  /** A merchant API key (`--api-key`, else NLYZER_API_KEY). */
  apiKey?: string;
}

export interface GatewayClient {
  readonly baseUrl: string;
  get<T>(path: string): Promise<T>;
  send<T>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<T>;
}

/**
 * The merchant API as the commands that drive a running platform call it (`connect`,
 * `sync`): JSON over HTTP with an API key. A problem+json answer becomes a CliError
 * carrying the problem's title and detail, so the merchant reads the API's own words.
 */
export function createGatewayClient(options: GatewayClientOptions, env: Env): GatewayClient {
  const baseUrl = options.gateway ?? env.NLYZER_GATEWAY_URL ?? 'http://localhost:8080';
  const apiKey = options.apiKey ?? env.NLYZER_API_KEY;
  if (!apiKey) {
    throw new CliError(
      'invalid_arguments',
      'an API key is needed: pass --api-key or set NLYZER_API_KEY (npm start prints the demo store’s)',
    );
  }
  const request = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let response: Response;
    try {
      response = await fetch(new URL(path, baseUrl), {
        method,
        headers: {
          authorization: `Bearer ${apiKey}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new CliError(
        'request_failed',
        `the gateway at ${baseUrl} did not answer (${(err as Error).message})`,
      );
    }
    const text = await response.text();
    const parsed: unknown = text === '' ? undefined : safeJson(text);
    if (!response.ok) {
      const problem = problemDetailOf(parsed);
      throw new CliError(
        'request_failed',
        `${method} ${path} → ${response.status}${problem ? `: ${problem}` : ''}`,
      );
    }
    return parsed as T;
  };
  return {
    baseUrl,
    get: (path) => request('GET', path),
    send: (method, path, body) => request(method, path, body),
  };
}

/** "Title: detail (field: message, …)" of a problem+json body, or null for anything else. */
function problemDetailOf(body: unknown): string | null {
  if (typeof body !== 'object' || body === null) return null;
  const { title, detail, errors } = body as { title?: unknown; detail?: unknown; errors?: unknown };
  const fields = Array.isArray(errors)
    ? errors
        .map((e: { path?: unknown; message?: unknown }) =>
          `${String(e.path ?? '')} ${String(e.message ?? '')}`.trim(),
        )
        .join('; ')
    : '';
  const text = [title, detail].filter((part) => typeof part === 'string' && part !== '').join(': ');
  return text === '' ? null : fields === '' ? text : `${text} (${fields})`;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
