import { AuditLogPage, AuditLogQuery } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import type { RouteModule } from '@nlyzer/service-kit';
import type { CoreTables } from '../../core-tables.ts';
import { MANAGERS, requirePrincipal } from '../auth/principal.ts';

const DEFAULT_PAGE = 50;

export interface AuditLogFeatureDeps {
  db: Database;
}

/**
 * Newest first, keyset-paginated on the entry id: `next_cursor` is the last id of the
 * page, so pages stay stable while new entries arrive (offsets would shift).
 */
export function createAuditLogFeature(deps: AuditLogFeatureDeps): RouteModule {
  const core = deps.db.as<CoreTables>();
  return async (app) => {
    app.get(
      '/v1/audit-log',
      {
        schema: { querystring: AuditLogQuery, response: { 200: AuditLogPage } },
        config: { allow: MANAGERS },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const limit = request.query.limit ?? DEFAULT_PAGE;
        const cursor = request.query.cursor;
        const rows = await core.withStore(principal.storeId, (trx) => {
          let query = trx
            .selectFrom('core.audit_log')
            .selectAll()
            .orderBy('id', 'desc')
            .limit(limit + 1);
          if (cursor !== undefined) query = query.where('id', '<', Number(cursor));
          return query.execute();
        });
        const page = rows.slice(0, limit);
        return {
          entries: page.map((row) => ({
            id: String(row.id),
            at: row.at.toISOString(),
            action: row.action,
            actor_user_id: row.actor_user_id,
            actor_api_key_id: row.actor_api_key_id,
            target: row.target,
            ip: row.ip,
            details: row.details,
          })),
          next_cursor: rows.length > limit ? String(page.at(-1)!.id) : null,
        };
      },
    );
  };
}
