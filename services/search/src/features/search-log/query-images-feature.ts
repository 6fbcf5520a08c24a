import { notFound, type RouteModule } from '@nlyzer/service-kit';
import Type from 'typebox';
import type { SearchContext } from '../../search-context.ts';

/** The photo of a low-confidence search, for the concierge expert who takes it (see `queryImageRef`). */
export function createQueryImagesFeature(context: SearchContext): RouteModule {
  const { db } = context;
  return async (app) => {
    app.get(
      '/v1/catalog/query-images/:sha256',
      {
        config: { merchantRoles: ['owner', 'admin', 'agent'] },
        schema: { params: Type.Object({ sha256: Type.String({ pattern: '^[0-9a-f]{64}$' }) }) },
      },
      async (request, reply) => {
        const { storeId } = request.merchant!;
        const image = await db.withStore(storeId, (trx) =>
          trx
            .selectFrom('search.query_images')
            .select(['content_type', 'bytes'])
            .where('store_id', '=', storeId)
            .where('sha256', '=', request.params.sha256)
            .executeTakeFirst(),
        );
        if (image === undefined) throw notFound('No search photo with this hash');
        return reply
          .header('content-type', image.content_type)
          .header('cache-control', 'private, max-age=86400, immutable')
          .send(Buffer.from(image.bytes));
      },
    );
  };
}
