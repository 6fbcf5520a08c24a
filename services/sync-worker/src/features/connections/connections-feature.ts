import {
  ConnectionView,
  ConnectRequest,
  ShopifyInstallRequest,
  ShopifyInstallResponse,
  SyncSettingsPatch,
} from '@nlyzer/contracts';
import { AppError, type RouteModule } from '@nlyzer/service-kit';
import { dashboardUrl } from '../../config.ts';
import { type ConnectDeps, connectCustom, connectWooCommerce } from './connect-store.ts';
import {
  connectionView,
  disconnectConnection,
  readConnection,
  updateConnection,
} from './connection-store.ts';
import { completeShopifyInstall, SHOPIFY_CALLBACK_PATH, startShopifyInstall } from './shopify-install.ts';

const READERS = ['owner', 'admin', 'analyst'] as const;
const WRITERS = ['owner', 'admin'] as const;

/**
 * The store's platform connection: Shopify's OAuth install (start, and the public
 * callback Shopify redirects to), WooCommerce keys or a feed, the sync settings, and
 * disconnecting (the catalog stays searchable). Credentials never leave sealed storage.
 */
export function createConnectionsFeature(deps: ConnectDeps): RouteModule {
  const { db, config } = deps.context;
  const read = async (storeId: string) => {
    const row = await db.withStore(storeId, (trx) => readConnection(trx, storeId));
    if (row === undefined) throw new AppError('not_found', 'The store has not connected a platform yet');
    return row;
  };

  return async (app) => {
    app.post(
      '/v1/connection/shopify/install',
      {
        config: { merchantRoles: WRITERS },
        schema: { body: ShopifyInstallRequest, response: { 200: ShopifyInstallResponse } },
      },
      async (request) => startShopifyInstall(deps, request.merchant!.storeId, request.body.shop),
    );

    // Public: Shopify sends the merchant's browser here; the HMAC and the state vouch for it.
    app.get(SHOPIFY_CALLBACK_PATH, async (request, reply) => {
      const { connection } = await completeShopifyInstall(deps, request.query as Record<string, unknown>);
      if (request.headers.accept?.includes('application/json')) return connectionView(connection);
      const landing = new URL(dashboardUrl(config));
      landing.searchParams.set('onboarding', 'connected');
      return reply.redirect(landing.toString(), 302);
    });

    app.put(
      '/v1/connection',
      {
        config: { merchantRoles: WRITERS },
        schema: { body: ConnectRequest, response: { 202: ConnectionView } },
      },
      async (request, reply) => {
        const { storeId } = request.merchant!;
        const body = request.body;
        const row =
          body.platform === 'woocommerce'
            ? await connectWooCommerce(deps, storeId, body)
            : await connectCustom(deps, storeId, body);
        return reply.code(202).send(connectionView(row));
      },
    );

    app.get(
      '/v1/connection',
      { config: { merchantRoles: READERS }, schema: { response: { 200: ConnectionView } } },
      async (request) => connectionView(await read(request.merchant!.storeId)),
    );

    app.patch(
      '/v1/connection',
      {
        config: { merchantRoles: WRITERS },
        schema: { body: SyncSettingsPatch, response: { 200: ConnectionView } },
      },
      async (request) => {
        const { storeId } = request.merchant!;
        const current = await read(storeId);
        const patch = request.body;
        if (patch.sync_enabled && current.state !== 'connected') {
          throw new AppError('conflict', 'The store is not connected: connect it again to sync');
        }
        if (patch.sync_enabled && current.platform === 'custom' && current.source === null) {
          throw new AppError('conflict', 'The store pushes its catalog: there is no feed to sync from');
        }
        const interval = patch.sync_interval_minutes ?? current.sync_interval_minutes;
        const updated = await db.withStore(storeId, (trx) =>
          updateConnection(trx, storeId, {
            ...(patch.sync_enabled === undefined ? {} : { sync_enabled: patch.sync_enabled }),
            sync_interval_minutes: interval,
            // The next scheduled sync follows the interval from the last one (or from now).
            next_sync_at: new Date(
              new Date(current.last_synced_at ?? Date.now()).getTime() + interval * 60_000,
            ),
          }),
        );
        return connectionView(updated ?? current);
      },
    );

    app.delete(
      '/v1/connection',
      { config: { merchantRoles: WRITERS }, schema: { response: { 200: ConnectionView } } },
      async (request) => {
        const { storeId } = request.merchant!;
        await read(storeId);
        // The credentials go; the catalog and its index stay, searchable, until the merchant reconnects.
        const updated = await db.withStore(storeId, (trx) => disconnectConnection(trx, storeId, null));
        return connectionView(updated!);
      },
    );
  };
}
