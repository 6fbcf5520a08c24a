import type { Outbox } from '@nlyzer/bus';
import { PlatformRequest, StoreUpdateRequest, StoreView } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { notFound, type RouteModule } from '@nlyzer/service-kit';
import type { Updateable } from 'kysely';
import type { CoreTables, StoresTable } from '../../core-tables.ts';
import { withStoreEvents } from '../../core-transaction.ts';
import { normalizeEmail } from '../../email-address.ts';
import { recordAudit } from '../audit-log/audit-trail.ts';
import { ALL_ROLES, auditActor, MANAGERS, requirePrincipal } from '../auth/principal.ts';
import { loadStore, type StoreRow, toStoreView } from './store-view.ts';
import { assertTimeZone } from './time-zone.ts';

export interface StoreFeatureDeps {
  db: Database;
  outbox: Outbox;
}

/** Settings other services keep a copy of: a change to any of them is announced. */
const ANNOUNCED = ['company', 'billing_email', 'time_zone', 'search_confidence_threshold'] as const;
type Setting = (typeof ANNOUNCED)[number] | 'widget_theme';

function changedSettings(before: StoreRow, after: StoreRow): Setting[] {
  const changed: Setting[] = [];
  for (const name of ANNOUNCED) {
    if (before[name] !== after[name]) changed.push(name);
  }
  if (JSON.stringify(before.widget_theme) !== JSON.stringify(after.widget_theme))
    changed.push('widget_theme');
  return changed;
}

/** Workflow 1 steps 7a–8 (platform choice) and the store's own settings. */
export function createStoreFeature(deps: StoreFeatureDeps): RouteModule {
  const { outbox } = deps;
  const core = deps.db.as<CoreTables>();

  return async (app) => {
    app.get(
      '/v1/store',
      { schema: { response: { 200: StoreView } }, config: { allow: ALL_ROLES } },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const store = await core.withStore(principal.storeId, (trx) => loadStore(trx, principal.storeId));
        if (!store) throw notFound('The store no longer exists');
        return toStoreView(store);
      },
    );

    app.patch(
      '/v1/store',
      { schema: { body: StoreUpdateRequest, response: { 200: StoreView } }, config: { allow: MANAGERS } },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const body = request.body;
        const update: Updateable<StoresTable> = {};
        if (body.company !== undefined) update.company = body.company.trim();
        if (body.billing_email !== undefined)
          update.billing_email = normalizeEmail(body.billing_email, '/body/billing_email');
        if (body.time_zone !== undefined) update.time_zone = assertTimeZone(body.time_zone);
        if (body.search_confidence_threshold !== undefined) {
          update.search_confidence_threshold = body.search_confidence_threshold;
        }
        if (body.widget_theme !== undefined) update.widget_theme = JSON.stringify(body.widget_theme);

        return withStoreEvents(outbox, principal.storeId, async (trx, emit) => {
          const before = await trx
            .selectFrom('core.stores')
            .selectAll()
            .where('store_id', '=', principal.storeId)
            .forUpdate()
            .executeTakeFirst();
          if (!before) throw notFound('The store no longer exists');
          const after = await trx
            .updateTable('core.stores')
            .set({ ...update, updated_at: new Date() })
            .where('store_id', '=', principal.storeId)
            .returningAll()
            .executeTakeFirstOrThrow();
          const changed = changedSettings(before, after);
          if (changed.length === 0) return toStoreView(after);

          await recordAudit(trx, {
            storeId: principal.storeId,
            actor: auditActor(principal),
            action: 'store.settings_updated',
            target: principal.storeId,
            ip: request.ip,
            details: { changed },
          });
          const announced = ANNOUNCED.filter((name) => changed.includes(name));
          if (announced.length > 0) {
            await emit('store.settings_updated', {
              store_id: principal.storeId,
              changed: announced,
              settings: {
                company: after.company,
                billing_email: after.billing_email,
                time_zone: after.time_zone,
                search_confidence_threshold: after.search_confidence_threshold,
              },
              changed_by_user_id: principal.accountableUserId,
            });
          }
          return toStoreView(after);
        });
      },
    );

    app.put(
      '/v1/store/platform',
      { schema: { body: PlatformRequest, response: { 200: StoreView } }, config: { allow: MANAGERS } },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { platform } = request.body;
        return withStoreEvents(outbox, principal.storeId, async (trx, emit) => {
          const before = await trx
            .selectFrom('core.stores')
            .select('platform')
            .where('store_id', '=', principal.storeId)
            .forUpdate()
            .executeTakeFirst();
          if (!before) throw notFound('The store no longer exists');
          const after = await trx
            .updateTable('core.stores')
            .set({ platform, updated_at: new Date() })
            .where('store_id', '=', principal.storeId)
            .returningAll()
            .executeTakeFirstOrThrow();
          // Choosing the same platform again changes nothing and must not restart the connection.
          if (before.platform !== platform) {
            await recordAudit(trx, {
              storeId: principal.storeId,
              actor: auditActor(principal),
              action: 'store.platform_selected',
              target: principal.storeId,
              ip: request.ip,
              details: { from: before.platform, to: platform },
            });
            await emit('store.platform_selected', {
              store_id: principal.storeId,
              platform,
              selected_by_user_id: principal.accountableUserId,
            });
          }
          return toStoreView(after);
        });
      },
    );
  };
}
