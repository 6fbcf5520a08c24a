import type { Outbox } from '@nlyzer/bus';
import {
  IdParams,
  WidgetKeyCreated,
  WidgetKeyCreateRequest,
  WidgetKeyList,
  WidgetSnippet,
} from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { notFound, type RouteModule } from '@nlyzer/service-kit';
import type { CoreTables } from '../../core-tables.ts';
import { withStoreEvents } from '../../core-transaction.ts';
import { actorOf, MANAGERS, MERCHANT_READERS, requirePrincipal } from '../auth/principal.ts';
import { normalizeOrigins } from './allowed-origins.ts';
import { issueWidgetKey, revokeWidgetKey, toWidgetKeyView } from './widget-key-store.ts';
import { loadWidgetSnippet, type SnippetSettings } from './widget-snippet.ts';

export interface WidgetKeysFeatureDeps {
  db: Database;
  outbox: Outbox;
  snippets: SnippetSettings;
}

/** Workflow 1 step 13: the publishable key the store's page embeds, bound to its origins. */
export function createWidgetKeysFeature(deps: WidgetKeysFeatureDeps): RouteModule {
  const { outbox, snippets } = deps;
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
        const created = await withStoreEvents(outbox, principal.storeId, async (trx, emit) => {
          const { row, key } = await issueWidgetKey(
            trx,
            emit,
            spec,
            actorOf(principal, request.ip),
            snippets.sealer,
          );
          const { snippet } = (await loadWidgetSnippet(trx, principal.storeId, row.id, snippets))!;
          return { widget_key: toWidgetKeyView(row), key, snippet };
        });
        reply.code(201);
        return created;
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

    app.get(
      '/v1/widget-keys/:id/snippet',
      {
        schema: { params: IdParams, response: { 200: WidgetSnippet } },
        config: { allow: MERCHANT_READERS },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const snippet = await core.withStore(principal.storeId, (trx) =>
          loadWidgetSnippet(trx, principal.storeId, request.params.id, snippets),
        );
        if (!snippet) throw notFound('No such widget key');
        return snippet;
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
