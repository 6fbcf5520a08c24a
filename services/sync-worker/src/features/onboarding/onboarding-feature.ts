import { OnboardingView } from '@nlyzer/contracts';
import type { RouteModule } from '@nlyzer/service-kit';
import type { SyncContext } from '../../sync-context.ts';
import { readQualityReport } from '../quality-report/quality-report.ts';
import { readRun, runView } from '../sync-runs/sync-run-store.ts';
import { onboardingView } from './onboarding-view.ts';

/** `GET /v1/onboarding`: the live progress view of the store's onboarding. */
export function createOnboardingFeature(context: SyncContext): RouteModule {
  const { db } = context;
  return async (app) => {
    app.get(
      '/v1/onboarding',
      {
        config: { merchantRoles: ['owner', 'admin', 'analyst'] },
        schema: { response: { 200: OnboardingView } },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        return db.withStore(storeId, async (trx) => {
          const row = await trx
            .selectFrom('catalog.onboarding')
            .selectAll()
            .where('store_id', '=', storeId)
            .executeTakeFirst();
          const run = row?.initial_run_id ? await readRun(trx, storeId, row.initial_run_id) : undefined;
          const quality = row?.quality_at ? await readQualityReport(trx, storeId) : undefined;
          return onboardingView(row, run === undefined ? null : runView(run), quality ?? null);
        });
      },
    );
  };
}
