import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Emit } from '@nlyzer/bus';
import type { ImageEmbedder, StyleDna } from '@nlyzer/vision';
import type { ProductIndex } from '../../indexes/product-index.ts';
import { byteaValue, vectorToBytes } from '../../indexes/vector-bytes.ts';
import { chunks, removeProductVectors } from '../../indexes/vector-feed.ts';
import { embedderKey } from '../../indexes/vector-indexes.ts';
import { type SearchContext, type SearchTransaction, withStoreEvents } from '../../search-context.ts';
import type { ImageSource, StoredStyleDna } from '../../search-tables.ts';
import { bumpCatalogVersion, readSettings } from '../store-settings/settings-store.ts';
import type { ImageAnalyzer } from './image-analyzer.ts';
import type { ImageLoader } from './image-loader.ts';
import {
  leaveRuns,
  type QueueKey,
  readTickets,
  releaseTickets,
  retryLater,
  stillHeldTickets,
  type Ticket,
} from './indexing-queue.ts';
import { countOutcomes, type ProgressThrottle } from './indexing-runs.ts';

export interface ProductIndexerDeps {
  context: SearchContext;
  productIndex: ProductIndex;
  loader: ImageLoader;
  analyzer: ImageAnalyzer;
  throttle: ProgressThrottle;
  /** Claims of one product (crashed workers included) before it is marked failed. */
  maxAttempts: number;
  retryDelayMs(attempt: number): number;
}

/**
 * - indexed: embedded and written; refreshed: only its index entries brought up to date;
 * - failed: marked failed with its reason; retrying: due again later;
 * - superseded: re-queued or claimed again meanwhile, the result dropped; gone: nothing queued.
 */
export type IndexingOutcome = 'indexed' | 'refreshed' | 'failed' | 'retrying' | 'superseded' | 'gone';

/** Error texts end up in the dashboard; one bad image URL list must not fill a row. */
const MAX_REASON = 2000;

/** Colour names and the pattern, the words a shopper types ("red striped"). */
export function styleKeywords(dna: StyleDna): string {
  return [...new Set([...dna.colours.map((colour) => colour.name), dna.pattern])].join(' ');
}

const storedDna = (dna: StyleDna): StoredStyleDna => ({
  colours: dna.colours.map(({ name, hex, fraction }) => ({ name, hex, fraction })),
  pattern: dna.pattern,
});

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

/** Vector ids name the product, image and view, so re-embedding the same images overwrites in place. */
export const vectorId = (productId: string, position: number, view: number) =>
  `${productId}:${position}:${view}`;

/** What the analysis of one product came to, before anything is written. */
type Analysed =
  | { kind: 'indexed'; vectors: ProductVector[]; images: IndexedImage[]; dna: StyleDna | null }
  | { kind: 'retry' | 'fail'; reason: string };

interface ProductVector {
  vector_id: string;
  image_position: number;
  view: number;
  vector: Float32Array;
}

interface IndexedImage {
  position: number;
  source: ImageSource;
  sha256: string;
  width: number;
  height: number;
  localFeatures: Uint8Array | null;
}

/**
 * Does the work of a batch of claimed queue rows (any stores). Per store: the tickets,
 * products and settings are read in one short transaction; fetching and analysis run
 * outside any, every product at once (the analyzer's threads set the pace); the results
 * are written in one transaction (vectors, images, product states, run counters, progress
 * events, one catalog version) that first locks the rows the claims still hold. Rows are
 * released only after the vector index has caught up, so a crash in between leaves them
 * to be claimed again (as index refreshes). One product's failure never holds up the rest.
 */
export async function processClaims(
  deps: ProductIndexerDeps,
  keys: readonly QueueKey[],
): Promise<Map<QueueKey, IndexingOutcome>> {
  const byStore = Map.groupBy(keys, (key) => key.storeId);
  const outcomes = new Map<QueueKey, IndexingOutcome>();
  await Promise.all(
    [...byStore].map(async ([storeId, storeKeys]) => {
      const byProduct = await processStoreClaims(
        deps,
        storeId,
        storeKeys.map((key) => key.productId),
      );
      for (const key of storeKeys) outcomes.set(key, byProduct.get(key.productId) ?? 'gone');
    }),
  );
  return outcomes;
}

async function processStoreClaims(
  deps: ProductIndexerDeps,
  storeId: string,
  productIds: readonly string[],
): Promise<Map<string, IndexingOutcome>> {
  const { context } = deps;
  const { db, embedders } = context;
  const outcomes = new Map<string, IndexingOutcome>();

  const claimed = await db.withStore(storeId, async (trx) => {
    const tickets = await readTickets(trx, storeId, productIds);
    const products = new Map<string, ClaimedProduct>();
    for (const chunk of chunks([...tickets.keys()])) {
      const rows = await trx
        .selectFrom('search.products')
        .select(['product_id', 'image_sources', 'index_state', 'indexed_embedder'])
        .where('store_id', '=', storeId)
        .where('product_id', 'in', chunk)
        .execute();
      for (const row of rows) products.set(row.product_id, row);
    }
    const settings = await readSettings(trx, storeId);
    return { tickets: [...tickets.values()], products, kind: settings.embedder ?? embedders.defaultKind };
  });
  if (claimed.tickets.length === 0) return outcomes;

  let embedder: ImageEmbedder;
  try {
    embedder = await embedders.embedder(claimed.kind);
  } catch (err) {
    // The platform's problem (a model folder, a provider key), not the products': wait, never fail them.
    const reason = `the ${claimed.kind} embedder is unavailable: ${errorText(err)}`.slice(0, MAX_REASON);
    await db.withStore(storeId, async (trx) => {
      for (const ticket of claimed.tickets) {
        await retryLater(trx, ticket, reason, deps.retryDelayMs(ticket.attempts), false);
        outcomes.set(ticket.productId, 'retrying');
      }
    });
    return outcomes;
  }

  const refreshed: Ticket[] = [];
  const analysing: Promise<{ ticket: Ticket; analysed: Analysed }>[] = [];
  for (const ticket of claimed.tickets) {
    const product = claimed.products.get(ticket.productId);
    const needsEmbedding =
      product !== undefined &&
      (product.index_state === 'pending' ||
        (product.index_state === 'indexed' && product.indexed_embedder !== embedderKey(embedder)));
    if (!needsEmbedding) {
      refreshed.push(ticket);
    } else if (ticket.attempts > deps.maxAttempts) {
      const last = ticket.lastError === null ? '' : ` (last error: ${ticket.lastError})`;
      const reason = `indexing did not finish in ${deps.maxAttempts} attempts${last}`;
      analysing.push(Promise.resolve({ ticket, analysed: { kind: 'fail', reason } }));
    } else {
      analysing.push(
        analyseProduct(deps, storeId, ticket.productId, product.image_sources, embedder).then((analysed) => ({
          ticket,
          analysed,
        })),
      );
    }
  }
  const results = (await Promise.all(analysing)).map(({ ticket, analysed }) =>
    // A failure that may pass is retried until the attempts run out.
    analysed.kind === 'retry' && ticket.attempts >= deps.maxAttempts
      ? { ticket, analysed: { kind: 'fail', reason: analysed.reason } as Analysed }
      : { ticket, analysed },
  );
  for (const ticket of refreshed) outcomes.set(ticket.productId, 'refreshed');

  // PGlite answers in microtasks: a batch's run of queries would otherwise keep the
  // event loop (timers, sockets, searches) waiting until the whole batch is written.
  await yieldToEventLoop();
  const written =
    results.length === 0
      ? []
      : await withStoreEvents(context.outbox, storeId, async (trx, emit) => {
          const held = new Set(
            (
              await stillHeldTickets(
                trx,
                results.map((result) => result.ticket),
              )
            ).map((ticket) => ticket.productId),
          );
          const current = results.filter((result) => held.has(result.ticket.productId));
          await writeResults(deps, trx, emit, storeId, embedder, current);
          return current;
        });
  const settling = [...refreshed];
  const writtenIds = new Set<string>();
  for (const { ticket, analysed } of written) {
    writtenIds.add(ticket.productId);
    const outcome =
      analysed.kind === 'indexed' ? 'indexed' : analysed.kind === 'fail' ? 'failed' : 'retrying';
    outcomes.set(ticket.productId, outcome);
    if (analysed.kind !== 'retry') settling.push(ticket);
  }
  for (const { ticket } of results)
    if (!writtenIds.has(ticket.productId)) outcomes.set(ticket.productId, 'superseded');
  await yieldToEventLoop();
  await settle(deps, storeId, settling, embedder);
  return outcomes;
}

type ClaimedProduct = { image_sources: ImageSource[]; index_state: string; indexed_embedder: string | null };

/** Fetches and analyses one product's images; never throws (a thrown error is a retry). */
async function analyseProduct(
  deps: ProductIndexerDeps,
  storeId: string,
  productId: string,
  sources: ImageSource[],
  embedder: ImageEmbedder,
): Promise<Analysed> {
  try {
    const outcomes = await deps.loader.load(storeId, sources);
    const problems = outcomes.flatMap((image, i) => (image.ok ? [] : [{ position: i + 1, ...image }]));
    if (problems.length > 0) {
      const reason = problems.map((problem) => `image ${problem.position}: ${problem.reason}`).join('; ');
      return { kind: problems.some((problem) => problem.retryable) ? 'retry' : 'fail', reason };
    }
    const loaded = outcomes.filter((image) => image.ok);
    const hashes = loaded.map((image) => image.sha256);
    const analysis = await deps.analyzer.analyze(
      loaded.map((image) => image.bytes),
      embedder,
    );
    const refused = analysis.images.flatMap((outcome, i) =>
      outcome.ok ? [] : [`image ${i + 1}: ${outcome.reason}`],
    );
    if (refused.length > 0) return { kind: 'fail', reason: refused.join('; ') };
    const vectors = analysis.images.flatMap((outcome, position) =>
      outcome.ok
        ? outcome.image.vectors.map((vector, view) => ({
            vector_id: vectorId(productId, position, view),
            image_position: position,
            view,
            vector,
          }))
        : [],
    );
    const images = analysis.images.map((outcome, position) => ({
      position,
      source: sources[position]!,
      sha256: hashes[position]!,
      width: outcome.ok ? outcome.image.width : 0,
      height: outcome.ok ? outcome.image.height : 0,
      localFeatures: outcome.ok ? outcome.image.localFeatures : null,
    }));
    return { kind: 'indexed', vectors, images, dna: analysis.styleDna };
  } catch (err) {
    return { kind: 'retry', reason: errorText(err) };
  }
}

/**
 * Writes a batch's results whose claims the transaction holds: indexed products get their
 * vectors, images and StyleDNA, failed ones lose theirs and say why (both counted in their
 * runs, under one new catalog version), retries wait with their reason.
 */
async function writeResults(
  deps: ProductIndexerDeps,
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  embedder: ImageEmbedder,
  results: readonly { ticket: Ticket; analysed: Analysed }[],
): Promise<void> {
  const settled = results.filter((result) => result.analysed.kind !== 'retry');
  for (const { ticket, analysed } of results) {
    if (analysed.kind === 'retry') {
      await retryLater(trx, ticket, analysed.reason.slice(0, MAX_REASON), deps.retryDelayMs(ticket.attempts));
    }
  }
  if (settled.length === 0) return;
  const version = await bumpCatalogVersion(trx, storeId);
  const indexed = settled.flatMap(({ ticket, analysed }) =>
    analysed.kind === 'indexed' ? [{ productId: ticket.productId, ...analysed }] : [],
  );
  const vectors = indexed.flatMap((product) =>
    product.vectors.map((row) => ({ productId: product.productId, ...row })),
  );
  const productIds = settled.map((result) => result.ticket.productId);
  await removeProductVectors(trx, storeId, productIds, version, {
    embedder,
    ids: new Set(vectors.map((row) => row.vector_id)),
  });
  for (const chunk of chunks(vectors, 200)) {
    await trx
      .insertInto('search.product_vectors')
      .values(
        chunk.map((row) => ({
          store_id: storeId,
          product_id: row.productId,
          vector_id: row.vector_id,
          image_position: row.image_position,
          view: row.view,
          embedder: embedder.id,
          embedder_version: embedder.version,
          vector: byteaValue(vectorToBytes(row.vector)),
        })),
      )
      .execute();
  }
  await writeImages(
    trx,
    storeId,
    productIds,
    indexed.flatMap((product) => product.images.map((image) => ({ productId: product.productId, ...image }))),
  );
  const now = new Date();
  for (const { ticket, analysed } of settled) {
    await trx
      .updateTable('search.products')
      .set(
        analysed.kind === 'indexed'
          ? {
              style_dna: analysed.dna === null ? null : JSON.stringify(storedDna(analysed.dna)),
              style_keywords: analysed.dna === null ? '' : styleKeywords(analysed.dna),
              index_state: 'indexed',
              index_error: null,
              indexed_embedder: embedderKey(embedder),
              vector_version: version,
              updated_at: now,
            }
          : {
              index_state: 'failed',
              index_error: (analysed as { reason: string }).reason.slice(0, MAX_REASON),
              indexed_embedder: null,
              style_dna: null,
              style_keywords: '',
              vector_version: version,
              updated_at: now,
            },
      )
      .where('store_id', '=', storeId)
      .where('product_id', '=', ticket.productId)
      .execute();
  }
  const inRuns = settled.filter((result) => result.ticket.runId !== null);
  for (const [runId, runResults] of Map.groupBy(inRuns, (result) => result.ticket.runId!)) {
    const indexedInRun = runResults.filter((result) => result.analysed.kind === 'indexed').length;
    await countOutcomes(
      trx,
      emit,
      storeId,
      runId,
      { indexed: indexedInRun, failed: runResults.length - indexedInRun },
      deps.throttle,
    );
  }
  await leaveRuns(
    trx,
    inRuns.map((result) => result.ticket),
  );
}

async function writeImages(
  trx: SearchTransaction,
  storeId: string,
  productIds: readonly string[],
  images: readonly (IndexedImage & { productId: string })[],
): Promise<void> {
  for (const chunk of chunks(productIds)) {
    await trx
      .deleteFrom('search.product_images')
      .where('store_id', '=', storeId)
      .where('product_id', 'in', chunk)
      .execute();
  }
  for (const chunk of chunks(images, 500)) {
    await trx
      .insertInto('search.product_images')
      .values(
        chunk.map((image) => ({
          store_id: storeId,
          product_id: image.productId,
          position: image.position,
          source_url: 'url' in image.source ? image.source.url : null,
          sha256: image.sha256,
          width: image.width,
          height: image.height,
          local_features: image.localFeatures === null ? null : byteaValue(image.localFeatures),
        })),
      )
      .execute();
  }
}

/** Brings the index up to date, then lets the rows go; if the index is unreachable, they come back later. */
async function settle(
  deps: ProductIndexerDeps,
  storeId: string,
  tickets: readonly Ticket[],
  embedder: ImageEmbedder,
): Promise<void> {
  if (tickets.length === 0) return;
  const { db, logger } = deps.context;
  try {
    await deps.productIndex.catchUp(storeId, embedder);
  } catch (err) {
    logger.warn({ err, storeId }, 'vector index catch-up failed; retrying later');
    const reason = `vector index: ${errorText(err)}`.slice(0, MAX_REASON);
    await db.withStore(storeId, async (trx) => {
      for (const ticket of tickets) await retryLater(trx, ticket, reason, deps.retryDelayMs(ticket.attempts));
    });
    return;
  }
  await db.withStore(storeId, (trx) => releaseTickets(trx, tickets));
}
