import type { Outbox } from '@nlyzer/bus';
import type { SearchKind } from '@nlyzer/contracts';
import type { Logger } from '@nlyzer/service-kit';
import { withStoreEvents } from '../../search-context.ts';

export interface SearchRecord {
  searchId: string;
  storeId: string;
  kind: SearchKind;
  queryText: string | null;
  imageSha256: string | null;
  filters: Record<string, string | number | boolean>;
  resultProductIds: string[];
  topScore: number | null;
  confidence: number;
  latencyMs: number;
  sessionId: string | null;
  /** Present when confidence fell below the store's threshold: the handoff to a human. */
  handoff: {
    threshold: number;
    candidateProductIds: string[];
    /** The shopper's photo, kept for the expert; null for text searches. */
    image: { bytes: Buffer; contentType: string } | null;
  } | null;
}

export interface SearchRecorder {
  record(search: SearchRecord): void;
  /** Writes everything pending (shutdown, tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface SearchRecorderOptions {
  outbox: Outbox;
  logger: Logger;
  /** How long a search may wait before its batch is written. */
  flushIntervalMs?: number;
  maxBatch?: number;
}

/** Where the concierge finds a low-confidence search's photo (a merchant route, roles owner/admin/agent). */
export const queryImageRef = (sha256: string) => `/v1/catalog/query-images/${sha256}`;

/**
 * The search log and its events, written behind the response: a search answers
 * without waiting on the database write or the bus. Records are batched (one
 * transaction per store per flush, ~every 50 ms), and `search.performed` plus any
 * `concierge.requested` go through the outbox in that same transaction, so a logged
 * search and its events are never out of step. What is lost on a hard crash is at
 * most the last flush interval of analytics, never a catalog change.
 */
export function createSearchRecorder(options: SearchRecorderOptions): SearchRecorder {
  const { outbox, logger } = options;
  const flushIntervalMs = options.flushIntervalMs ?? 50;
  const maxBatch = options.maxBatch ?? 500;
  let pending: SearchRecord[] = [];
  let timer: NodeJS.Timeout | null = null;
  let writing: Promise<void> = Promise.resolve();

  const schedule = () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      void flushNow();
    }, flushIntervalMs);
    timer.unref();
  };

  const flushNow = (): Promise<void> => {
    const batch = pending;
    pending = [];
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    writing = writing.then(() => write(batch));
    return writing;
  };

  async function write(batch: SearchRecord[]): Promise<void> {
    const byStore = Map.groupBy(batch, (record) => record.storeId);
    for (const [storeId, records] of byStore) {
      try {
        await writeStore(storeId, records);
      } catch (err) {
        logger.error({ err, storeId, searches: records.length }, 'search log write failed');
      }
    }
  }

  async function writeStore(storeId: string, records: SearchRecord[]): Promise<void> {
    await withStoreEvents(outbox, storeId, async (trx, emit) => {
      await trx
        .insertInto('search.search_log')
        .values(
          records.map((r) => ({
            store_id: storeId,
            search_id: r.searchId,
            kind: r.kind,
            query_text: r.queryText,
            image_sha256: r.imageSha256,
            filters: JSON.stringify(r.filters),
            result_product_ids: r.resultProductIds,
            top_score: r.topScore,
            confidence: r.confidence,
            zero_results: r.resultProductIds.length === 0,
            latency_ms: Math.round(r.latencyMs),
            session_id: r.sessionId,
          })),
        )
        .onConflict((oc) => oc.columns(['store_id', 'search_id']).doNothing())
        .execute();
      for (const r of records) {
        await emit('search.performed', {
          search_id: r.searchId,
          store_id: storeId,
          kind: r.kind,
          query_text: r.queryText,
          latency_ms: Math.round(r.latencyMs),
          result_product_ids: r.resultProductIds.slice(0, 100),
          top_score: r.topScore,
          confidence: r.confidence,
          zero_results: r.resultProductIds.length === 0,
          filters: r.filters,
          image_hash: r.imageSha256,
          session_id: r.sessionId,
        });
        if (r.handoff === null) continue;
        const image = r.handoff.image;
        if (image !== null && r.imageSha256 !== null) {
          await trx
            .insertInto('search.query_images')
            .values({
              store_id: storeId,
              sha256: r.imageSha256,
              content_type: image.contentType,
              bytes: image.bytes,
            })
            .onConflict((oc) => oc.columns(['store_id', 'sha256']).doNothing())
            .execute();
        }
        await emit('concierge.requested', {
          store_id: storeId,
          search_id: r.searchId,
          confidence: r.confidence,
          threshold: r.handoff.threshold,
          image_ref:
            r.imageSha256 !== null
              ? queryImageRef(r.imageSha256)
              : `text:${r.queryText ?? ''}`.slice(0, 1024),
          candidate_product_ids: r.handoff.candidateProductIds.slice(0, 50),
          session_id: r.sessionId ?? r.searchId,
        });
      }
    });
  }

  return {
    record(search) {
      pending.push(search);
      if (pending.length >= maxBatch) void flushNow();
      else schedule();
    },
    flush: async () => {
      await flushNow();
    },
    close: async () => {
      await flushNow();
    },
  };
}
