import fastifyMultipart from '@fastify/multipart';
import {
  SearchFiltersQuery,
  SearchResponse,
  SimilarParams,
  SimilarQuery,
  TextSearchBody,
} from '@nlyzer/contracts';
import { AppError, type RouteModule } from '@nlyzer/service-kit';
import type { FastifyRequest } from 'fastify';
import { registerShopperAccess, type ShopperAccessOptions } from '../shopper-access/shopper-access.ts';
import type { SearchEngine, SearchFilters, SearchOutcome } from './search-engine.ts';

/** The upload limit of the widget (it downscales before sending; this is for API clients). */
export const MAX_UPLOAD_BYTES = 5 * 1024 * 1024;
const RAW_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/avif', 'application/octet-stream'];

export interface ImageSearchFeatureDeps extends ShopperAccessOptions {
  engine: SearchEngine;
}

/**
 * The shopper's routes: image search (raw body or multipart), text search and "similar
 * products". Filters travel in the query string so a raw image body is the whole body.
 */
export function createImageSearchFeature(deps: ImageSearchFeatureDeps): RouteModule {
  const { engine } = deps;
  return async (app) => {
    await registerShopperAccess(app, deps);
    await app.register(fastifyMultipart, {
      limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 10, parts: 12 },
    });
    // Any declared type is read as bytes: the type is decided from the magic bytes, not the label.
    app.addContentTypeParser(
      RAW_IMAGE_TYPES,
      { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES },
      (_r, body, done) => done(null, body),
    );

    app.post(
      '/v1/search/image',
      {
        bodyLimit: MAX_UPLOAD_BYTES,
        schema: { querystring: SearchFiltersQuery, response: { 200: SearchResponse } },
      },
      async (request) => {
        const bytes = await uploadedImage(request);
        const query = request.query;
        const outcome = await engine.searchImage(request.shopper!.storeId, bytes, {
          filters: filtersOf(query),
          limit: query.limit,
          sessionId: query.session_id ?? null,
          ...(query.q === undefined ? {} : { text: query.q }),
        });
        return view(outcome);
      },
    );

    app.post(
      '/v1/search/text',
      { schema: { body: TextSearchBody, response: { 200: SearchResponse } } },
      async (request) => {
        const body = request.body;
        const outcome = await engine.searchText(request.shopper!.storeId, body.q, {
          filters: filtersOf(body),
          limit: body.limit,
          sessionId: body.session_id ?? null,
        });
        return view(outcome);
      },
    );

    app.get(
      '/v1/search/similar/:productId',
      { schema: { params: SimilarParams, querystring: SimilarQuery, response: { 200: SearchResponse } } },
      async (request) => {
        const { in_stock, limit, session_id } = request.query;
        const outcome = await engine.similar(request.shopper!.storeId, request.params.productId, {
          filters: in_stock === undefined ? {} : { inStock: in_stock },
          limit,
          sessionId: session_id ?? null,
        });
        return view(outcome);
      },
    );
  };
}

async function uploadedImage(request: FastifyRequest): Promise<Buffer> {
  if (request.isMultipart()) {
    const file = await request.file();
    if (file === undefined)
      throw new AppError('image_empty', 'Send the photo in a multipart field named "image"');
    try {
      return await file.toBuffer();
    } catch (err) {
      if ((err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE') {
        throw new AppError('image_too_large', `Images are limited to ${MAX_UPLOAD_BYTES} bytes`, {
          cause: err,
        });
      }
      throw err;
    }
  }
  const body = request.body;
  const expected =
    'Send the photo as the request body (image/jpeg, png, webp or avif) or as multipart "image"';
  // Fastify's own parsers (JSON, text) took a body of another declared type.
  if (body !== undefined && body !== null && !Buffer.isBuffer(body))
    throw new AppError('unsupported_media_type', expected);
  if (!Buffer.isBuffer(body) || body.length === 0) throw new AppError('image_empty', expected);
  return body;
}

function filtersOf(query: {
  in_stock?: boolean;
  min_price?: number;
  max_price?: number;
  category?: string;
}): SearchFilters {
  const filters: SearchFilters = {};
  if (query.in_stock !== undefined) filters.inStock = query.in_stock;
  if (query.min_price !== undefined) filters.minPrice = query.min_price;
  if (query.max_price !== undefined) filters.maxPrice = query.max_price;
  if (query.min_price !== undefined && query.max_price !== undefined && query.min_price > query.max_price) {
    throw new AppError('validation_failed', 'min_price is above max_price');
  }
  if (query.category !== undefined) {
    const categories = query.category
      .split(',')
      .map((c) => c.trim())
      .filter((c) => c.length > 0);
    if (categories.length > 0) filters.categories = categories;
  }
  return filters;
}

function view(outcome: SearchOutcome) {
  return {
    search_id: outcome.searchId,
    kind: outcome.kind,
    results: outcome.results.map(({ product, score }) => ({
      product_id: product.productId,
      external_id: product.externalId,
      title: product.title,
      url: product.url,
      image_url: product.imageUrl,
      price: product.price,
      in_stock: product.inStock,
      categories: product.categories,
      score: Math.round(score * 10_000) / 10_000,
      style: product.style,
    })),
    confidence: outcome.confidence,
    threshold: outcome.threshold,
    concierge_requested: outcome.conciergeRequested,
    style_dna: outcome.styleDna,
    latency_ms: Math.round(outcome.latencyMs * 100) / 100,
    cached: outcome.cached,
  };
}
