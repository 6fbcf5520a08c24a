import { createHash, randomUUID } from 'node:crypto';
import type { SearchKind } from '@nlyzer/contracts';
import { AppError } from '@nlyzer/service-kit';
import type { VectorFilter, VectorMatch, VectorQueryOptions } from '@nlyzer/vectors';
import {
  type DecodedImage,
  decodeImage,
  extractStyleDna,
  type ImageEmbedder,
  ImageRejectedError,
  sniffImageFormat,
} from '@nlyzer/vision';
import { LRUCache } from 'lru-cache';
import type { SearchContext } from '../../search-context.ts';
import type { StoredStyleDna } from '../../search-tables.ts';
import type { SearchRecorder } from '../search-log/search-recorder.ts';
import { readSettings, type StoreSearchSettings } from '../store-settings/settings-store.ts';
import { calibratedConfidence } from './confidence.ts';
import { applyBusinessRules, type Candidate, fuseRankings, groupByProduct } from './ranking.ts';
import { type ProductSummary, productSummaries, textCandidates } from './search-products.ts';

/** The slice of the product index a query needs (implemented in src/indexes/). */
export interface ProductIndexReader {
  query(
    storeId: string,
    embedder: ImageEmbedder,
    catalogVersion: string,
    vector: Float32Array,
    options: VectorQueryOptions,
  ): Promise<VectorMatch[]>;
  productVectors(storeId: string, productId: string, embedder: ImageEmbedder): Promise<Float32Array[]>;
}

/** Re-scores the best candidates with evidence the global vector lacks (local features). */
export type Reranker = (
  storeId: string,
  query: DecodedImage,
  candidates: readonly Candidate[],
) => Promise<Candidate[]>;

export interface SearchFilters {
  inStock?: boolean;
  minPrice?: number;
  maxPrice?: number;
  categories?: string[];
}

export interface SearchOptions {
  filters: SearchFilters;
  limit: number;
  sessionId: string | null;
}

export interface SearchOutcome {
  searchId: string;
  kind: SearchKind;
  results: (Candidate & { product: ProductSummary })[];
  confidence: number;
  threshold: number;
  conciergeRequested: boolean;
  styleDna: StoredStyleDna | null;
  latencyMs: number;
  cached: boolean;
}

/** The part of an outcome that depends only on the query and the catalog: what the cache keeps. */
interface Answer {
  results: (Candidate & { product: ProductSummary })[];
  confidence: number;
  styleDna: StoredStyleDna | null;
}

export interface SearchEngineOptions {
  index: ProductIndexReader;
  recorder: SearchRecorder;
  reranker?: Reranker;
  /** Candidates re-ranked per query. */
  rerankDepth?: number;
}

/** Vectors fetched per result wanted: several images and views of one product come back separately. */
const OVERFETCH = 6;
const MIN_FETCH = 60;
const DECODE = { maxPixels: 50_000_000, maxSide: 512 } as const;

export function createSearchEngine(context: SearchContext, options: SearchEngineOptions) {
  const { db, embedders, config } = context;
  const { index, recorder, reranker } = options;
  const rerankDepth = options.rerankDepth ?? 12;
  const cache =
    config.SEARCH_CACHE_TTL_SECONDS > 0
      ? new LRUCache<string, Answer>({
          max: config.SEARCH_CACHE_MAX_ENTRIES,
          ttl: config.SEARCH_CACHE_TTL_SECONDS * 1000,
        })
      : null;

  const settingsOf = (storeId: string) => db.withStore(storeId, (trx) => readSettings(trx, storeId));
  const embedderOf = (settings: StoreSearchSettings) =>
    embedders.embedder(settings.embedder ?? embedders.defaultKind);

  async function vectorCandidates(
    storeId: string,
    settings: StoreSearchSettings,
    embedder: ImageEmbedder,
    vector: Float32Array,
    filters: SearchFilters,
    limit: number,
  ): Promise<Candidate[]> {
    const topK = Math.max(MIN_FETCH, limit * OVERFETCH);
    const matches = await index.query(storeId, embedder, settings.catalogVersion, vector, {
      topK,
      filter: vectorFilter(filters),
    });
    return groupByProduct(matches);
  }

  async function finish(storeId: string, candidates: Candidate[], limit: number, embedderId: string | null) {
    const top = candidates.slice(0, Math.max(limit * 2, 20));
    const products = await db.withStore(storeId, (trx) =>
      productSummaries(
        trx,
        storeId,
        top.map((c) => c.productId),
      ),
    );
    const results = applyBusinessRules(top, products).slice(0, limit);
    const confidence =
      embedderId === null
        ? (candidates[0]?.score ?? 0)
        : calibratedConfidence(embedderId, candidates[0]?.score ?? null, candidates[1]?.score ?? null);
    return { results, confidence };
  }

  function respond(
    storeId: string,
    kind: SearchKind,
    started: number,
    answer: Answer,
    cached: boolean,
    settings: StoreSearchSettings,
    request: SearchOptions,
    query: {
      text: string | null;
      imageSha256: string | null;
      image: { bytes: Buffer; contentType: string } | null;
    },
  ): SearchOutcome {
    const searchId = randomUUID();
    const latencyMs = performance.now() - started;
    // A "similar products" list is browsing, not a shopper asking for a match: no handoff.
    const conciergeRequested = kind !== 'similar' && answer.confidence < settings.confidenceThreshold;
    recorder.record({
      searchId,
      storeId,
      kind,
      queryText: query.text,
      imageSha256: query.imageSha256,
      filters: filtersForLog(request.filters),
      resultProductIds: answer.results.map((r) => r.productId),
      topScore: answer.results[0]?.score ?? null,
      confidence: answer.confidence,
      latencyMs,
      sessionId: request.sessionId,
      handoff: conciergeRequested
        ? {
            threshold: settings.confidenceThreshold,
            candidateProductIds: answer.results.map((r) => r.productId),
            image: query.image,
          }
        : null,
    });
    return {
      searchId,
      kind,
      ...answer,
      threshold: settings.confidenceThreshold,
      conciergeRequested,
      latencyMs,
      cached,
    };
  }

  return {
    /** Image search; with `text`, hybrid image + text by rank fusion. */
    async searchImage(storeId: string, bytes: Buffer, request: SearchOptions & { text?: string }) {
      const started = performance.now();
      const kind: SearchKind = request.text === undefined ? 'image' : 'hybrid';
      const imageSha256 = createHash('sha256').update(bytes).digest('hex');
      const settings = await settingsOf(storeId);
      const key = cacheKey(storeId, settings, kind, imageSha256, request);
      let answer = cache?.get(key);
      const cached = answer !== undefined;
      if (answer === undefined) {
        const image = await decodeUpload(bytes);
        const embedder = await embedderOf(settings);
        const [vector, styleDna] = [await embedder.embed(image), extractStyleDna(image)];
        let candidates = await vectorCandidates(
          storeId,
          settings,
          embedder,
          vector,
          request.filters,
          request.limit,
        );
        if (reranker !== undefined && embedder.id === 'descriptor' && candidates.length > 1) {
          const head = await reranker(storeId, image, candidates.slice(0, rerankDepth));
          candidates = [...head, ...candidates.slice(rerankDepth)];
        }
        const confidenceSource = candidates;
        if (request.text !== undefined) {
          const text = request.text;
          const textRanked = await db.withStore(storeId, (trx) =>
            textCandidates(
              trx,
              storeId,
              text,
              vectorFilter(request.filters),
              Math.max(MIN_FETCH, request.limit * 4),
            ),
          );
          candidates = fuseRankings([candidates, textRanked]);
        }
        const { results } = await finish(storeId, candidates, request.limit, embedder.id);
        answer = {
          results,
          confidence: calibratedConfidence(
            embedder.id,
            confidenceSource[0]?.score ?? null,
            confidenceSource[1]?.score ?? null,
          ),
          styleDna: { colours: styleDna.colours, pattern: styleDna.pattern },
        };
        cache?.set(key, answer);
      }
      const contentType = `image/${sniffImageFormat(bytes) ?? 'jpeg'}`;
      return respond(storeId, kind, started, answer, cached, settings, request, {
        text: request.text ?? null,
        imageSha256,
        image: { bytes, contentType },
      });
    },

    async searchText(storeId: string, text: string, request: SearchOptions) {
      const started = performance.now();
      const settings = await settingsOf(storeId);
      const key = cacheKey(storeId, settings, 'text', text.trim().toLowerCase(), request);
      let answer = cache?.get(key);
      const cached = answer !== undefined;
      if (answer === undefined) {
        const candidates = await db.withStore(storeId, (trx) =>
          textCandidates(trx, storeId, text, vectorFilter(request.filters), Math.max(request.limit * 2, 20)),
        );
        const { results, confidence } = await finish(storeId, candidates, request.limit, null);
        answer = { results, confidence, styleDna: null };
        cache?.set(key, answer);
      }
      return respond(storeId, 'text', started, answer, cached, settings, request, {
        text,
        imageSha256: null,
        image: null,
      });
    },

    /** Products that look like one of the store's own products ("similar products" on a product page). */
    async similar(storeId: string, productId: string, request: SearchOptions) {
      const started = performance.now();
      const settings = await settingsOf(storeId);
      const key = cacheKey(storeId, settings, 'similar', productId, request);
      let answer = cache?.get(key);
      const cached = answer !== undefined;
      if (answer === undefined) {
        const embedder = await embedderOf(settings);
        const vectors = await index.productVectors(storeId, productId, embedder);
        if (vectors.length === 0) throw new AppError('not_found', 'No indexed product with this id');
        const candidates = (
          await vectorCandidates(storeId, settings, embedder, vectors[0]!, request.filters, request.limit + 1)
        ).filter((c) => c.productId !== productId);
        const { results, confidence } = await finish(storeId, candidates, request.limit, embedder.id);
        answer = { results, confidence, styleDna: null };
        cache?.set(key, answer);
      }
      return respond(storeId, 'similar', started, answer, cached, settings, request, {
        text: null,
        imageSha256: null,
        image: null,
      });
    },

    cacheSize: () => cache?.size ?? 0,
  };
}

export type SearchEngine = ReturnType<typeof createSearchEngine>;

async function decodeUpload(bytes: Buffer): Promise<DecodedImage> {
  try {
    return await decodeImage(bytes, DECODE);
  } catch (err) {
    if (err instanceof ImageRejectedError) throw new AppError(err.code, err.message, { cause: err });
    throw err;
  }
}

function vectorFilter(filters: SearchFilters): VectorFilter | undefined {
  const filter: VectorFilter = {};
  if (filters.inStock !== undefined) filter.inStock = filters.inStock;
  if (filters.minPrice !== undefined) filter.minPrice = filters.minPrice;
  if (filters.maxPrice !== undefined) filter.maxPrice = filters.maxPrice;
  if (filters.categories !== undefined) filter.categories = filters.categories;
  return Object.keys(filter).length === 0 ? undefined : filter;
}

function filtersForLog(filters: SearchFilters): Record<string, string | number | boolean> {
  const logged: Record<string, string | number | boolean> = {};
  if (filters.inStock !== undefined) logged.in_stock = filters.inStock;
  if (filters.minPrice !== undefined) logged.min_price = filters.minPrice;
  if (filters.maxPrice !== undefined) logged.max_price = filters.maxPrice;
  if (filters.categories !== undefined) logged.category = filters.categories.join(',');
  return logged;
}

/** The catalog version in the key is the invalidation: a catalog change makes every older entry unreachable. */
function cacheKey(
  storeId: string,
  settings: StoreSearchSettings,
  kind: SearchKind,
  query: string,
  request: SearchOptions & { text?: string },
): string {
  return JSON.stringify([
    storeId,
    settings.catalogVersion,
    settings.embedder,
    kind,
    query,
    request.text ?? null,
    request.limit,
    filtersForLog(request.filters),
  ]);
}
