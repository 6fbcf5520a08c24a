import type { Outbox } from '@nlyzer/bus';
import { ApiKeyCreated, ApiKeyCreateRequest, ApiKeyList, IdParams } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { notFound, type RouteModule } from '@nlyzer/service-kit';
import type { CoreTables } from '../../core-tables.ts';
import { withStoreEvents } from '../../core-transaction.ts';
import { actorOf, MANAGERS, requirePrincipal } from '../auth/principal.ts';
import { issueApiKey, revokeApiKey, toApiKeyView } from './api-key-store.ts';

export interface ApiKeysFeatureDeps {
  db: Database;
  outbox: Outbox;
}

/** Workflow 1 step 9b: credentials for custom integrations, shown once and stored hashed. */
export function createApiKeysFeature(deps: ApiKeysFeatureDeps): RouteModule {
  const { outbox } = deps;
  const core = deps.db.as<CoreTables>();

  return async (app) => {
    app.post(
      '/v1/api-keys',
      {
        schema: { body: ApiKeyCreateRequest, response: { 201: ApiKeyCreated } },
        config: { allow: MANAGERS },
      },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const spec = { storeId: principal.storeId, name: request.body.name.trim(), role: request.body.role };
        const { row, key } = await withStoreEvents(outbox, principal.storeId, (trx, emit) =>
          issueApiKey(trx, emit, spec, actorOf(principal, request.ip)),
        );
        reply.code(201);
        return { api_key: toApiKeyView(row), key };
      },
    );

    app.get(
      '/v1/api-keys',
      { schema: { response: { 200: ApiKeyList } }, config: { allow: MANAGERS } },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const rows = await core.withStore(principal.storeId, (trx) =>
          trx.selectFrom('core.api_keys').selectAll().orderBy('created_at', 'desc').orderBy('id').execute(),
        );
        return { api_keys: rows.map(toApiKeyView) };
      },
    );

    app.delete(
      '/v1/api-keys/:id',
      { schema: { params: IdParams }, config: { allow: MANAGERS } },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const outcome = await withStoreEvents(outbox, principal.storeId, (trx, emit) =>
          revokeApiKey(trx, emit, principal.storeId, request.params.id, actorOf(principal, request.ip)),
        );
        if (outcome === 'not_found') throw notFound('No such API key');
        return reply.code(204).send();
      },
    );
  };
}
