import { notFound, type RouteModule } from '@nlyzer/service-kit';
import Type from 'typebox';
import type { SearchContext } from '../../search-context.ts';

const Params = Type.Object(
  { storeId: Type.String({ format: 'uuid' }), sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
  { additionalProperties: false },
);

/**
 * Product photos a merchant posted inline, for result cards (`inlineImagePath`). Public
 * like any storefront image: the address is content-addressed, so it is immutable and
 * unguessable, and it only serves images some product of that store refers to.
 */
export function createProductImagesFeature(context: Pick<SearchContext, 'db'>): RouteModule {
  const { db } = context;
  return async (app) => {
    app.get('/v1/search/images/:storeId/:sha256', { schema: { params: Params } }, async (request, reply) => {
      const { storeId, sha256 } = request.params;
      const image = await db.withStore(storeId, (trx) =>
        trx
          .selectFrom('search.inline_images')
          .select(['content_type', 'bytes'])
          .where('store_id', '=', storeId)
          .where('sha256', '=', sha256)
          .executeTakeFirst(),
      );
      if (image === undefined) throw notFound('No product image with this address');
      return reply
        .header('content-type', image.content_type)
        .header('cache-control', 'public, max-age=31536000, immutable')
        .header('cross-origin-resource-policy', 'cross-origin')
        .header('x-content-type-options', 'nosniff')
        .send(Buffer.from(image.bytes));
    });
  };
}
