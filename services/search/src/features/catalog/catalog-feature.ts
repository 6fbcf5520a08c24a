import {
  CATALOG_LIMITS,
  CatalogDeleteRequest,
  CatalogDeleteResult,
  CatalogProductPage,
  CatalogProductParams,
  CatalogProductQuery,
  CatalogProductView,
  CatalogUpsertAccepted,
  CatalogUpsertRequest,
  type Role,
} from '@nlyzer/contracts';
import { AppError, notFound, type RouteModule } from '@nlyzer/service-kit';
import type { ProductIndex } from '../../indexes/product-index.ts';
import type { SearchContext } from '../../search-context.ts';
import { readSettings } from '../store-settings/settings-store.ts';
import { validateProducts } from './catalog-input.ts';
import { imagesOf, PRODUCT_COLUMNS, productView } from './catalog-views.ts';
import { deleteCatalogProducts, upsertCatalogProducts } from './catalog-writes.ts';

export const CATALOG_WRITERS: readonly Role[] = ['owner', 'admin'];
export const CATALOG_READERS: readonly Role[] = ['owner', 'admin', 'analyst'];
const DEFAULT_PAGE = 50;

export interface CatalogFeatureDeps {
  context: SearchContext;
  productIndex: ProductIndex;
  /** Work was queued: the indexing worker should look now. */
  wakeIndexing(): void;
}

const encodeCursor = (externalId: string) => Buffer.from(externalId, 'utf8').toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

/**
 * The custom catalog API (workflow 1, custom stores): bulk upsert and delete by the
 * merchant's own product ids, and the catalog as search sees it, index state included.
 */
export function createCatalogFeature(deps: CatalogFeatureDeps): RouteModule {
  const { context, productIndex } = deps;
  const { db, embedders, logger } = context;

  /**
   * Applies the committed change to the store's vector index now rather than at the next
   * query (or, for Pinecone, the worker's refresh). Best effort: the change is durable,
   * and the queued refresh rows retry what fails here.
   */
  async function afterCommit(storeId: string): Promise<void> {
    deps.wakeIndexing();
    try {
      const settings = await db.withStore(storeId, (trx) => readSettings(trx, storeId));
      await productIndex.catchUp(
        storeId,
        await embedders.embedder(settings.embedder ?? embedders.defaultKind),
      );
    } catch (err) {
      logger.warn(
        { err, storeId },
        'vector index catch-up after a catalog change failed; the worker retries',
      );
    }
  }

  return async (app) => {
    app.put(
      '/v1/catalog/products',
      {
        bodyLimit: CATALOG_LIMITS.upsertBodyBytes,
        schema: { body: CatalogUpsertRequest, response: { 202: CatalogUpsertAccepted } },
        config: { merchantRoles: CATALOG_WRITERS },
      },
      async (request, reply) => {
        const { storeId } = request.merchant!;
        const { accepted, rejected } = validateProducts(request.body.products);
        if (accepted.length === 0) {
          throw new AppError('unprocessable', 'None of the products is valid', {
            errors: rejected.flatMap(({ index, errors }) =>
              errors.map((error) => ({
                path: `/body/products/${index}${error.path === '/' ? '' : error.path}`,
                message: error.message,
              })),
            ),
          });
        }
        const outcome = await upsertCatalogProducts(context, storeId, accepted, { source: 'api' });
        await afterCommit(storeId);
        reply.code(202);
        return {
          run_id: outcome.runId!,
          accepted: accepted.length,
          changed: outcome.changed,
          queued: outcome.queued,
          rejected,
        };
      },
    );

    app.delete(
      '/v1/catalog/products',
      {
        schema: { body: CatalogDeleteRequest, response: { 200: CatalogDeleteResult } },
        config: { merchantRoles: CATALOG_WRITERS },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        const { deleted, notFound: missing } = await deleteCatalogProducts(
          context,
          storeId,
          request.body.external_ids,
        );
        if (deleted.length > 0) await afterCommit(storeId);
        return { deleted: deleted.length, not_found: missing };
      },
    );

    app.get(
      '/v1/catalog/products',
      {
        schema: { querystring: CatalogProductQuery, response: { 200: CatalogProductPage } },
        config: { merchantRoles: CATALOG_READERS },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        const { index_state: state, cursor } = request.query;
        const limit = request.query.limit ?? DEFAULT_PAGE;
        const { rows, images } = await db.withStore(storeId, async (trx) => {
          let query = trx
            .selectFrom('search.products')
            .select(PRODUCT_COLUMNS)
            .where('store_id', '=', storeId)
            .orderBy('external_id')
            .limit(limit + 1);
          if (state !== undefined) query = query.where('index_state', '=', state);
          if (cursor !== undefined) query = query.where('external_id', '>', decodeCursor(cursor));
          const found = await query.execute();
          const page = found.slice(0, limit);
          return {
            rows: found,
            images: await imagesOf(
              trx,
              storeId,
              page.map((row) => row.product_id),
            ),
          };
        });
        const page = rows.slice(0, limit);
        return {
          products: page.map((row) => productView(row, images.get(row.product_id) ?? [])),
          next_cursor: rows.length > limit ? encodeCursor(page.at(-1)!.external_id) : null,
        };
      },
    );

    app.get(
      '/v1/catalog/products/:externalId',
      {
        schema: { params: CatalogProductParams, response: { 200: CatalogProductView } },
        config: { merchantRoles: CATALOG_READERS },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        const found = await db.withStore(storeId, async (trx) => {
          const row = await trx
            .selectFrom('search.products')
            .select(PRODUCT_COLUMNS)
            .where('store_id', '=', storeId)
            .where('external_id', '=', request.params.externalId)
            .executeTakeFirst();
          if (row === undefined) return undefined;
          return { row, images: (await imagesOf(trx, storeId, [row.product_id])).get(row.product_id) ?? [] };
        });
        if (found === undefined) throw notFound('The store has no product with this external id');
        return productView(found.row, found.images);
      },
    );
  };
}
