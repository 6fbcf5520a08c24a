import { QualityReportView, type Role } from '@nlyzer/contracts';
import { notFound, type RouteModule } from '@nlyzer/service-kit';
import type { SyncContext } from '../../sync-context.ts';
import { readQualityReport } from './quality-report.ts';

const READERS: readonly Role[] = ['owner', 'admin', 'analyst'];

/** The store's last catalog quality report (recomputed after every sync run). */
export function createQualityReportFeature(context: SyncContext): RouteModule {
  return async (app) => {
    app.get(
      '/v1/quality-report',
      { schema: { response: { 200: QualityReportView } }, config: { merchantRoles: READERS } },
      async (request) => {
        const { storeId } = request.merchant!;
        const report = await context.db.withStore(storeId, (trx) => readQualityReport(trx, storeId));
        if (report === undefined) throw notFound('No catalog sync has produced a quality report yet');
        return report;
      },
    );
  };
}
