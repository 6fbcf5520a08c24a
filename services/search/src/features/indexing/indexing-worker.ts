import type { ImageFetcher } from '@nlyzer/image-fetcher';
import { createWakeSignal } from '@nlyzer/service-kit';
import type { ProductIndex } from '../../indexes/product-index.ts';
import { pruneTombstones } from '../../indexes/vector-feed.ts';
import type { SearchContext } from '../../search-context.ts';
import { createImageAnalyzer, defaultAnalysisThreads } from './image-analyzer.ts';
import { createImageLoader } from './image-loader.ts';
import { type ProductIndexerDeps, processClaims } from './index-product.ts';
import { claimWork, type QueueKey } from './indexing-queue.ts';
import { intervalThrottle } from './indexing-runs.ts';

export interface IndexingWorkerOptions {
  /** Batches in progress at once (one writing while the next is analysed); INDEXING_CONCURRENCY by default. */
  concurrency?: number;
  /** Rows claimed, and their results written, together: each batch costs a handful of transactions. */
  batchSize?: number;
  /** Worker threads for decoding and embedding (one per core by default); 0 keeps them on the main thread. */
  analysisThreads?: number;
  /** A claim not finished within this is given to another worker (a crashed one never finishes). */
  leaseSeconds?: number;
  /** How often an idle worker looks for work queued by others (events, other instances). */
  pollIntervalMs?: number;
  maxAttempts?: number;
  /** First retry delay; doubles per attempt, up to ten minutes. */
  retryBaseMs?: number;
  /** Tombstones older than this are pruned (see the vector feed). */
  tombstoneMaxAgeMs?: number;
  fetcher?: ImageFetcher;
}

export interface IndexingWorker {
  start(): void;
  /** Work was queued here: look now rather than at the next poll. */
  wake(): void;
  /** Stops claiming, lets the products in progress finish, releases threads and connections. */
  stop(): Promise<void>;
}

const MAX_RETRY_DELAY_MS = 10 * 60_000;
/**
 * Enough rows that a batch's transactions cost little per product, few enough that one
 * batch's analysis (a fraction of a second a product, spread over the threads) stays well
 * inside the claim's lease.
 */
const DEFAULT_BATCH_SIZE = 32;
const PRUNE_EVERY_MS = 60 * 60_000;

/**
 * Takes products off `search.indexing_queue` across stores in batches, `concurrency`
 * batches at a time, and indexes them (see processClaims). Claims carry a lease, so work
 * a crashed instance held is picked up again after it expires. Any number of instances
 * can run one.
 */
export function createIndexingWorker(
  context: SearchContext,
  productIndex: ProductIndex,
  options: IndexingWorkerOptions = {},
): IndexingWorker {
  const { db, logger, config } = context;
  const concurrency = options.concurrency ?? config.INDEXING_CONCURRENCY;
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  const leaseSeconds = options.leaseSeconds ?? 120;
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const retryBaseMs = options.retryBaseMs ?? 5000;
  const tombstoneMaxAgeMs = options.tombstoneMaxAgeMs ?? 7 * 24 * 3600_000;
  const analyzer = createImageAnalyzer({
    threads: options.analysisThreads ?? defaultAnalysisThreads(),
    verifier: () => context.embedders.verifier(),
  });
  const loader = createImageLoader(context, options.fetcher);
  const deps: ProductIndexerDeps = {
    context,
    productIndex,
    loader,
    analyzer,
    throttle: intervalThrottle(1000),
    maxAttempts: options.maxAttempts ?? 5,
    retryDelayMs: (attempt) => {
      const ceiling = Math.min(MAX_RETRY_DELAY_MS, retryBaseMs * 2 ** Math.max(0, attempt - 1));
      return ceiling / 2 + Math.random() * (ceiling / 2);
    },
  };

  const inFlight = new Set<Promise<void>>();
  const prunedAt = new Map<string, number>();
  let running = false;
  let loop: Promise<void> | undefined;
  const wakeSignal = createWakeSignal();

  async function maybePrune(storeId: string): Promise<void> {
    const now = Date.now();
    if (now - (prunedAt.get(storeId) ?? 0) < PRUNE_EVERY_MS) return;
    prunedAt.set(storeId, now);
    await db.withStore(storeId, (trx) => pruneTombstones(trx, storeId, tombstoneMaxAgeMs));
  }

  async function work(keys: QueueKey[]): Promise<void> {
    try {
      const outcomes = await processClaims(deps, keys);
      for (const [key, outcome] of outcomes) {
        if (outcome === 'failed') logger.info({ ...key, outcome }, 'catalog product could not be indexed');
        else logger.debug({ ...key, outcome }, 'catalog product processed');
      }
      for (const storeId of new Set(keys.map((key) => key.storeId))) await maybePrune(storeId);
    } catch (err) {
      // The claims' leases bring the rows back; the next attempt counts towards the limit.
      logger.error({ err, products: keys.length }, 'indexing a batch of catalog products failed');
    }
  }

  async function run(): Promise<void> {
    while (running) {
      if (inFlight.size < concurrency) {
        let claimed: QueueKey[] = [];
        try {
          claimed = await claimWork(db, batchSize, leaseSeconds);
        } catch (err) {
          logger.error({ err }, 'claiming indexing work failed');
        }
        if (claimed.length > 0) {
          const task: Promise<void> = work(claimed).finally(() => {
            inFlight.delete(task);
            wakeSignal.wake();
          });
          inFlight.add(task);
        }
        // More may be due right away: look again before waiting.
        if (claimed.length === batchSize) continue;
      }
      if (running) await wakeSignal.wait(pollIntervalMs);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    wake: wakeSignal.wake,
    async stop() {
      running = false;
      wakeSignal.wake();
      await loop;
      await Promise.all(inFlight);
      await Promise.all([analyzer.close(), loader.close()]);
    },
  };
}
