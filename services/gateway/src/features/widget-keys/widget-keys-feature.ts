import type { Outbox } from '@nlyzer/bus';
import { IdParams, WidgetKeyCreated, WidgetKeyCreateRequest, WidgetKeyList } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { notFound, type RouteModule } from '@nlyzer/service-kit';
import type { CoreTables } from '../../core-tables.ts';
import { withStoreEvents } from '../../core-transaction.ts';
import { actorOf, MANAGERS, requirePrincipal } from '../auth/principal.ts';
import { normalizeOrigins } from './allowed-origins.ts';
import { issueWidgetKey, revokeWidgetKey, toWidgetKeyView } from './widget-key-store.ts';

export interface WidgetKeysFeatureDeps {
  db: Database;
  outbox: Outbox;
}

/** Workflow 1 step 13: the publishable key the store's page embeds, bound to its origins. */
export function createWidgetKeysFeature(deps: WidgetKeysFeatureDeps): RouteModule {
  const { outbox } = deps;
  const core = deps.db.as<CoreTables>();

  return async (app) => {
    app.post(
      '/v1/widget-keys',
      {
        schema: { body: WidgetKeyCreateRequest, response: { 201: WidgetKeyCreated } },
        config: { allow: MANAGERS },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const spec = {
          storeId: principal.storeId,
          tier: principal.tier,
          origins: normalizeOrigins(request.body.allowed_origins),
        };
        const { row, key } = await withStoreEvents(outbox, principal.storeId, (trx, emit) =>
          issueWidgetKey(trx, emit, spec, actorOf(principal, request.ip)),
        );
        reply.code(201);
        return { widget_key: toWidgetKeyView(row), key };
      },
    );

    app.get(
      '/v1/widget-keys',
      { schema: { response: { 200: WidgetKeyList } }, config: { allow: MANAGERS } },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const rows = await core.withStore(principal.storeId, (trx) =>
          trx
            .selectFrom('core.widget_keys')
            .selectAll()
            .orderBy('created_at', 'desc')
            .orderBy('id')
            .execute(),
        );
        return { widget_keys: rows.map(toWidgetKeyView) };
      },
    );

    app.delete(
      '/v1/widget-keys/:id',
      { schema: { params: IdParams }, config: { allow: MANAGERS } },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const outcome = await withStoreEvents(outbox, principal.storeId, (trx, emit) =>
          revokeWidgetKey(trx, emit, principal.storeId, request.params.id, actorOf(principal, request.ip)),
        );
        if (outcome === 'not_found') throw notFound('No such widget key');
        return reply.code(204).send();
      },
    );
  };
}
