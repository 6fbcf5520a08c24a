import { setTimeout as delay } from 'node:timers/promises';
import type { VectorIndex, VectorMatch, VectorQueryOptions, VectorRecord } from '../vector-index.ts';
import { assertDimensions, VectorIndexError } from '../vector-index-error.ts';
import { fromPineconeMetadata, toPineconeFilter } from './pinecone-filter.ts';
import { PINECONE_UPSERT_LIMITS, upsertBodies } from './upsert-batches.ts';

export interface PineconeVectorIndexOptions {
  /** The index's own data-plane host, e.g. `https://products-abc123.svc.aped-1234.pinecone.io`. */
  host: string;
  apiKey: string;
  dimensions: number;
  apiVersion?: string;
  maxRetries?: number;
  /** First backoff step; doubles per attempt, with jitter, up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
  upsertLimits?: { maxRecords: number; maxBytes: number };
  fetch?: typeof fetch;
  /** Injected by tests to observe the backoff without waiting it out. */
  sleep?: (ms: number) => Promise<void>;
}

/** Pinecone deletes at most this many ids per request. */
const DELETE_BATCH = 1000;

interface QueryResponse {
  matches?: { id: string; score?: number; metadata?: Record<string, unknown> }[];
}

interface StatsResponse {
  namespaces?: Record<string, { vectorCount?: number }>;
}

/** One namespace per store, so isolation is Pinecone's and deleteAll is one call. */
export function createPineconeVectorIndex(options: PineconeVectorIndexOptions): VectorIndex {
  const {
    apiKey,
    dimensions,
    apiVersion = '2025-04',
    maxRetries = 6,
    baseDelayMs = 250,
    maxDelayMs = 20_000,
    upsertLimits = PINECONE_UPSERT_LIMITS,
    fetch: fetchImpl = fetch,
    sleep = (ms: number) => delay(ms),
  } = options;
  const host = options.host.replace(/\/+$/, '');

  function backoffMs(attempt: number, retryAfter: string | null): number {
    const exponential = Math.min(maxDelayMs, baseDelayMs * 2 ** attempt) * (0.5 + Math.random() / 2);
    const told = parseRetryAfter(retryAfter);
    return told === undefined ? exponential : Math.min(maxDelayMs, Math.max(told, exponential));
  }

  /** Retries 429, 5xx and network failures; `tolerated` statuses resolve to undefined. */
  async function call<T>(
    path: string,
    body: string,
    tolerated: readonly number[] = [],
  ): Promise<T | undefined> {
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await fetchImpl(`${host}${path}`, {
          method: 'POST',
          headers: {
            'Api-Key': apiKey,
            'X-Pinecone-API-Version': apiVersion,
            'Content-Type': 'application/json',
            Accept: 'application/json',
          },
          body,
        });
      } catch (err) {
        failure = err;
      }
      if (response?.ok) return (await response.json()) as T;
      if (response !== undefined && tolerated.includes(response.status)) {
        await response.body?.cancel();
        return undefined;
      }
      const retryable = response === undefined || response.status === 429 || response.status >= 500;
      const reason =
        response === undefined ? String(failure) : `${response.status} ${await errorMessage(response)}`;
      if (!retryable) throw new VectorIndexError('upstream_rejected', `Pinecone ${path}: ${reason}`);
      if (attempt >= maxRetries) {
        throw new VectorIndexError(
          'upstream_unavailable',
          `Pinecone ${path} after ${attempt + 1} attempts: ${reason}`,
          {
            cause: failure,
          },
        );
      }
      await sleep(backoffMs(attempt, response?.headers.get('retry-after') ?? null));
    }
  }

  return {
    async upsert(storeId: string, records: readonly VectorRecord[]): Promise<void> {
      for (const record of records) assertDimensions(record.values, dimensions, record.id);
      for (const body of upsertBodies(storeId, records, upsertLimits)) await call('/vectors/upsert', body);
    },

    async delete(storeId: string, ids: readonly string[]): Promise<void> {
      for (let i = 0; i < ids.length; i += DELETE_BATCH) {
        await call(
          '/vectors/delete',
          JSON.stringify({ namespace: storeId, ids: ids.slice(i, i + DELETE_BATCH) }),
        );
      }
    },

    async deleteAll(storeId: string): Promise<void> {
      // Recent API versions answer 404 for a namespace that holds nothing: already empty.
      await call('/vectors/delete', JSON.stringify({ namespace: storeId, deleteAll: true }), [404]);
    },

    async query(
      storeId: string,
      vector: Float32Array,
      { topK, filter }: VectorQueryOptions,
    ): Promise<VectorMatch[]> {
      assertDimensions(vector, dimensions, 'query');
      if (topK <= 0) return [];
      const response = await call<QueryResponse>(
        '/query',
        JSON.stringify({
          namespace: storeId,
          vector: Array.from(vector),
          topK,
          filter: toPineconeFilter(filter),
          includeMetadata: true,
          includeValues: false,
        }),
      );
      return (response?.matches ?? []).map((match) => ({
        id: match.id,
        score: match.score ?? 0,
        metadata: fromPineconeMetadata(match.metadata),
      }));
    },

    async count(storeId: string): Promise<number> {
      const stats = await call<StatsResponse>('/describe_index_stats', '{}');
      return stats?.namespaces?.[storeId]?.vectorCount ?? 0;
    },
  };
}

/** Retry-After is either delta-seconds or an HTTP date. */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** Pinecone's data-plane errors are `{ code, message, details }`; fall back to the raw text. */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const parsed = JSON.parse(text) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // Not JSON: the text itself is the best description there is.
  }
  return text.slice(0, 500);
}
