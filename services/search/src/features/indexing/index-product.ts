import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ImageEmbedder, StyleDna } from '@nlyzer/vision';
import type { ProductIndex } from '../../indexes/product-index.ts';
import { vectorToBytes } from '../../indexes/vector-bytes.ts';
import { chunks, removeProductVectors } from '../../indexes/vector-feed.ts';
import { embedderKey } from '../../indexes/vector-indexes.ts';
import { type SearchContext, type SearchTransaction, withStoreEvents } from '../../search-context.ts';
import type { ImageSource, StoredStyleDna } from '../../search-tables.ts';
import { bumpCatalogVersion, readSettings } from '../store-settings/settings-store.ts';
import type { ProductAnalysis } from './image-analysis.ts';
import type { ImageAnalyzer } from './image-analyzer.ts';
import type { ImageLoader, LoadedImage } from './image-loader.ts';
import {
  leaveRun,
  type QueueKey,
  readTicket,
  releaseTicket,
  retryLater,
  stillHeld,
  type Ticket,
} from './indexing-queue.ts';
import { countOutcome, type ProgressThrottle } from './indexing-runs.ts';

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

/**
 * Does the work of one claimed queue row. Reads run in short transactions; fetching and
 * embedding run outside any; the result is written in one transaction (vectors, images,
 * product state, run counters, progress event, catalog version) that first checks the
 * claim still holds. The row is released only after the vector index has caught up, so
 * a crash in between leaves it to be claimed again (as an index refresh).
 */
export async function processClaim(deps: ProductIndexerDeps, key: QueueKey): Promise<IndexingOutcome> {
  const { context, loader, analyzer } = deps;
  const { db, embedders } = context;
  const { storeId, productId } = key;

  const claim = await db.withStore(storeId, async (trx) => {
    const ticket = await readTicket(trx, key);
    if (ticket === undefined) return undefined;
    const product = await trx
      .selectFrom('search.products')
      .select(['image_sources', 'index_state', 'indexed_embedder'])
      .where('store_id', '=', storeId)
      .where('product_id', '=', productId)
      .executeTakeFirst();
    const settings = await readSettings(trx, storeId);
    return { ticket, product, kind: settings.embedder ?? embedders.defaultKind };
  });
  if (claim === undefined) return 'gone';
  const { ticket, product } = claim;
  let embedder: ImageEmbedder;
  try {
    embedder = await embedders.embedder(claim.kind);
  } catch (err) {
    // The platform's problem (a model folder, a provider key), not the product's: wait, never fail it.
    await db.withStore(storeId, (trx) =>
      retryLater(
        trx,
        ticket,
        `the ${claim.kind} embedder is unavailable: ${errorText(err)}`.slice(0, MAX_REASON),
        deps.retryDelayMs(ticket.attempts),
        false,
      ),
    );
    return 'retrying';
  }

  const needsEmbedding =
    product !== undefined &&
    (product.index_state === 'pending' ||
      (product.index_state === 'indexed' && product.indexed_embedder !== embedderKey(embedder)));
  if (!needsEmbedding) {
    await settle(deps, ticket, embedder);
    return 'refreshed';
  }
  if (ticket.attempts > deps.maxAttempts) {
    const last = ticket.lastError === null ? '' : ` (last error: ${ticket.lastError})`;
    return fail(deps, ticket, embedder, `indexing did not finish in ${deps.maxAttempts} attempts${last}`);
  }

  const sources = product.image_sources;
  let loaded: LoadedImage[];
  let analysis: ProductAnalysis;
  try {
    const outcomes = await loader.load(storeId, sources);
    const problems = outcomes.flatMap((image, i) => (image.ok ? [] : [{ position: i + 1, ...image }]));
    if (problems.length > 0) {
      const reason = problems.map((problem) => `image ${problem.position}: ${problem.reason}`).join('; ');
      return problems.some((problem) => problem.retryable)
        ? retry(deps, ticket, embedder, reason)
        : fail(deps, ticket, embedder, reason);
    }
    loaded = outcomes.filter((image) => image.ok);
    analysis = await analyzer.analyze(
      loaded.map((image) => image.bytes),
      embedder,
    );
  } catch (err) {
    return retry(deps, ticket, embedder, errorText(err));
  }
  const refused = analysis.images.flatMap((outcome, i) =>
    outcome.ok ? [] : [`image ${i + 1}: ${outcome.reason}`],
  );
  if (refused.length > 0) return fail(deps, ticket, embedder, refused.join('; '));

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
    sha256: loaded[position]!.sha256,
    width: outcome.ok ? outcome.image.width : 0,
    height: outcome.ok ? outcome.image.height : 0,
    localFeatures: outcome.ok ? outcome.image.localFeatures : null,
  }));
  const dna = analysis.styleDna;

  // PGlite answers in microtasks: a worker's run of queries would otherwise keep the
  // event loop (timers, sockets, searches) waiting until the whole product is written.
  await yieldToEventLoop();
  const written = await withStoreEvents(context.outbox, storeId, async (trx, emit) => {
    if (!(await stillHeld(trx, ticket))) return false;
    const version = await bumpCatalogVersion(trx, storeId);
    await removeProductVectors(trx, storeId, [productId], version, {
      embedder,
      ids: new Set(vectors.map((row) => row.vector_id)),
    });
    for (const chunk of chunks(vectors, 200)) {
      await trx
        .insertInto('search.product_vectors')
        .values(
          chunk.map((row) => ({
            store_id: storeId,
            product_id: productId,
            vector_id: row.vector_id,
            image_position: row.image_position,
            view: row.view,
            embedder: embedder.id,
            embedder_version: embedder.version,
            vector: vectorToBytes(row.vector),
          })),
        )
        .execute();
    }
    await writeImages(trx, storeId, productId, images);
    await trx
      .updateTable('search.products')
      .set({
        style_dna: dna === null ? null : JSON.stringify(storedDna(dna)),
        style_keywords: dna === null ? '' : styleKeywords(dna),
        index_state: 'indexed',
        index_error: null,
        indexed_embedder: embedderKey(embedder),
        vector_version: version,
        updated_at: new Date(),
      })
      .where('store_id', '=', storeId)
      .where('product_id', '=', productId)
      .execute();
    if (ticket.runId !== null) {
      await countOutcome(trx, emit, storeId, ticket.runId, 'indexed', deps.throttle);
      await leaveRun(trx, ticket);
    }
    return true;
  });
  if (!written) return 'superseded';
  await yieldToEventLoop();
  await settle(deps, ticket, embedder);
  return 'indexed';
}

async function writeImages(
  trx: SearchTransaction,
  storeId: string,
  productId: string,
  images: {
    position: number;
    source: ImageSource;
    sha256: string;
    width: number;
    height: number;
    localFeatures: Uint8Array | null;
  }[],
): Promise<void> {
  await trx
    .deleteFrom('search.product_images')
    .where('store_id', '=', storeId)
    .where('product_id', '=', productId)
    .execute();
  if (images.length === 0) return;
  await trx
    .insertInto('search.product_images')
    .values(
      images.map((image) => ({
        store_id: storeId,
        product_id: productId,
        position: image.position,
        source_url: 'url' in image.source ? image.source.url : null,
        sha256: image.sha256,
        width: image.width,
        height: image.height,
        local_features: image.localFeatures,
      })),
    )
    .execute();
}

/** A failure that may pass: due again after a backoff, until the attempts run out. */
async function retry(
  deps: ProductIndexerDeps,
  ticket: Ticket,
  embedder: ImageEmbedder,
  reason: string,
): Promise<IndexingOutcome> {
  if (ticket.attempts >= deps.maxAttempts) return fail(deps, ticket, embedder, reason);
  await deps.context.db.withStore(ticket.storeId, (trx) =>
    retryLater(trx, ticket, reason.slice(0, MAX_REASON), deps.retryDelayMs(ticket.attempts)),
  );
  return 'retrying';
}

/** The product is not searchable (its vectors go) and says why; its run counts it failed. */
async function fail(
  deps: ProductIndexerDeps,
  ticket: Ticket,
  embedder: ImageEmbedder,
  reason: string,
): Promise<IndexingOutcome> {
  const { storeId, productId } = ticket;
  const written = await withStoreEvents(deps.context.outbox, storeId, async (trx, emit) => {
    if (!(await stillHeld(trx, ticket))) return false;
    const version = await bumpCatalogVersion(trx, storeId);
    await removeProductVectors(trx, storeId, [productId], version);
    await writeImages(trx, storeId, productId, []);
    await trx
      .updateTable('search.products')
      .set({
        index_state: 'failed',
        index_error: reason.slice(0, MAX_REASON),
        indexed_embedder: null,
        style_dna: null,
        style_keywords: '',
        vector_version: version,
        updated_at: new Date(),
      })
      .where('store_id', '=', storeId)
      .where('product_id', '=', productId)
      .execute();
    if (ticket.runId !== null) {
      await countOutcome(trx, emit, storeId, ticket.runId, 'failed', deps.throttle);
      await leaveRun(trx, ticket);
    }
    return true;
  });
  if (!written) return 'superseded';
  await settle(deps, ticket, embedder);
  return 'failed';
}

/** Brings the index up to date, then lets the row go; if the index is unreachable, the row comes back later. */
async function settle(deps: ProductIndexerDeps, ticket: Ticket, embedder: ImageEmbedder): Promise<void> {
  const { db, logger } = deps.context;
  try {
    await deps.productIndex.catchUp(ticket.storeId, embedder);
  } catch (err) {
    logger.warn({ err, storeId: ticket.storeId }, 'vector index catch-up failed; retrying later');
    await db.withStore(ticket.storeId, (trx) =>
      retryLater(
        trx,
        ticket,
        `vector index: ${errorText(err)}`.slice(0, MAX_REASON),
        deps.retryDelayMs(ticket.attempts),
      ),
    );
    return;
  }
  await db.withStore(ticket.storeId, (trx) => releaseTicket(trx, ticket));
}
