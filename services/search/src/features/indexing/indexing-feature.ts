import { IndexingRunParams, IndexingRunView, IndexingStatusView, type IndexState } from '@nlyzer/contracts';
import { notFound, type RouteModule } from '@nlyzer/service-kit';
import type { SearchContext } from '../../search-context.ts';
import { CATALOG_READERS } from '../catalog/catalog-feature.ts';
import { runView } from './indexing-runs.ts';

const RECENT_RUNS = 10;

/** Indexing progress per store: the dashboard's catalog status and the API's run polling. */
export function createIndexingFeature(context: Pick<SearchContext, 'db'>): RouteModule {
  const { db } = context;
  return async (app) => {
    app.get(
      '/v1/catalog/indexing',
      { schema: { response: { 200: IndexingStatusView } }, config: { merchantRoles: CATALOG_READERS } },
      async (request) => {
        const { storeId } = request.merchant!;
        const { states, queued, runs } = await db.withStore(storeId, async (trx) => ({
          states: await trx
            .selectFrom('search.products')
            .select((eb) => ['index_state', eb.fn.countAll<string | number>().as('count')])
            .where('store_id', '=', storeId)
            .groupBy('index_state')
            .execute(),
          queued: await trx
            .selectFrom('search.indexing_queue')
            .select((eb) => eb.fn.countAll<string | number>().as('count'))
            .where('store_id', '=', storeId)
            .executeTakeFirstOrThrow(),
          runs: await trx
            .selectFrom('search.indexing_runs')
            .selectAll()
            .where('store_id', '=', storeId)
            .orderBy('created_at', 'desc')
            .limit(RECENT_RUNS)
            .execute(),
        }));
        const counts: Record<IndexState, number> = { pending: 0, indexed: 0, failed: 0, no_images: 0 };
        for (const row of states) counts[row.index_state] = Number(row.count);
        const products = counts.pending + counts.indexed + counts.failed + counts.no_images;
        const settled = products - counts.pending;
        return {
          products,
          counts,
          queue_length: Number(queued.count),
          percent: products === 0 ? 100 : Math.round((1000 * settled) / products) / 10,
          recent_runs: runs.map(runView),
        };
      },
    );

    app.get(
      '/v1/catalog/indexing/runs/:runId',
      {
        schema: { params: IndexingRunParams, response: { 200: IndexingRunView } },
        config: { merchantRoles: CATALOG_READERS },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        const run = await db.withStore(storeId, (trx) =>
          trx
            .selectFrom('search.indexing_runs')
            .selectAll()
            .where('store_id', '=', storeId)
            .where('run_id', '=', request.params.runId)
            .executeTakeFirst(),
        );
        if (run === undefined) throw notFound('The store has no indexing run with this id');
        return runView(run);
      },
    );
  };
}
