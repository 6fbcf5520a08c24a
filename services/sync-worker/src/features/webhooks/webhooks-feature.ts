import {
  isWebhookVerificationError,
  verifyShopifyWebhook,
  verifyWooCommerceWebhook,
  type WebhookDelivery,
} from '@nlyzer/connectors';
import type { Platform } from '@nlyzer/contracts';
import { AppError, type RouteModule } from '@nlyzer/service-kit';
import { sql } from 'kysely';
import Type from 'typebox';
import { connectionSealingKey } from '../../config.ts';
import type { SyncContext } from '../../sync-context.ts';
import { ConnectionSealingError, createConnectionSealer } from '../connections/connection-sealing.ts';
import { readConnection } from '../connections/connection-store.ts';
import { shopifyApp } from '../connections/shopify-install.ts';
import type { SyncRuns } from '../sync-runs/register-sync-runs.ts';

/** Shopify caps a webhook body well below this; WooCommerce products with many variations stay under it. */
const WEBHOOK_BODY_LIMIT = 5 * 1024 * 1024;

const WebhookOutcome = Type.Object({
  status: Type.Enum(['applied', 'duplicate', 'ignored']),
});
type WebhookOutcome = { status: 'applied' | 'duplicate' | 'ignored' };

export interface WebhooksFeatureDeps {
  context: SyncContext;
  syncRuns: SyncRuns;
}

/**
 * Platform webhooks: public routes verified by the platform's HMAC over the raw body. A
 * delivery is applied once (its id is recorded first and released if applying fails, so
 * the platform's retry gets another go). Deliveries for shops that are unknown or gone
 * are answered 200: a platform retries anything else for days.
 */
export function createWebhooksFeature(deps: WebhooksFeatureDeps): RouteModule {
  const { context, syncRuns } = deps;
  const { db, config, logger } = context;
  const sealer = createConnectionSealer(connectionSealingKey(config));

  const storeOfShop = (shop: string) =>
    db.transaction(async (trx) => {
      const { rows } = await sql<{ store_id: string | null }>`
        select catalog.store_of_shopify_shop(${shop.toLowerCase()}) as store_id
      `.execute(trx);
      return rows[0]?.store_id ?? null;
    });

  const verified = <T>(verify: () => T): T => {
    try {
      return verify();
    } catch (err) {
      if (!isWebhookVerificationError(err)) throw err;
      if (err.code === 'payload_invalid') throw new AppError('bad_request', err.message, { cause: err });
      throw new AppError('invalid_signature', err.message, { cause: err });
    }
  };

  const apply = async (
    storeId: string,
    platform: Platform,
    delivery: WebhookDelivery,
  ): Promise<WebhookOutcome> => {
    const recorded = await db.withStore(storeId, (trx) =>
      trx
        .insertInto('catalog.webhook_deliveries')
        .values({ store_id: storeId, platform, delivery_id: delivery.deliveryId, topic: delivery.topic })
        .onConflict((oc) => oc.doNothing())
        .returning('delivery_id')
        .executeTakeFirst(),
    );
    if (recorded === undefined) return { status: 'duplicate' };
    try {
      const { change } = delivery;
      if (change.kind === 'ignored') return { status: 'ignored' };
      // An uninstall goes the same way: the run worker's side disconnects the store and cancels its runs.
      await syncRuns.applyWebhookChanges(storeId, [change]);
      return { status: 'applied' };
    } catch (err) {
      await db.withStore(storeId, (trx) =>
        trx
          .deleteFrom('catalog.webhook_deliveries')
          .where('store_id', '=', storeId)
          .where('platform', '=', platform)
          .where('delivery_id', '=', delivery.deliveryId)
          .execute(),
      );
      throw err;
    }
  };

  return async (app) => {
    // Its own scope: only these routes keep the body as raw bytes (the signature covers them exactly).
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT },
        (_request, body, done) => done(null, body),
      );
      const rawBody = (body: unknown) => (Buffer.isBuffer(body) ? body : Buffer.alloc(0));

      scope.post(
        '/v1/webhooks/shopify',
        { schema: { response: { 200: WebhookOutcome } } },
        async (request) => {
          const { apiSecret } = shopifyApp(config);
          const body = rawBody(request.body);
          // The shop header only picks the connection; nothing is done before the signature checks out.
          const claimedShop = request.headers['x-shopify-shop-domain'];
          const storeId = typeof claimedShop === 'string' ? await storeOfShop(claimedShop) : null;
          const connection =
            storeId === null ? undefined : await db.withStore(storeId, (trx) => readConnection(trx, storeId));
          const delivery = verified(() =>
            verifyShopifyWebhook({
              rawBody: body,
              headers: request.headers,
              apiSecret,
              ...(connection === undefined
                ? {}
                : { store: { currency: connection.currency, storefrontUrl: connection.storefront_url } }),
            }),
          );
          if (storeId === null || connection === undefined) {
            logger.info(
              { shop: delivery.shop, topic: delivery.topic },
              'webhook for a shop with no live connection',
            );
            return { status: 'ignored' };
          }
          return apply(storeId, 'shopify', delivery);
        },
      );

      scope.post(
        '/v1/webhooks/woocommerce/:storeId',
        {
          schema: {
            params: Type.Object({ storeId: Type.String({ format: 'uuid' }) }),
            response: { 200: WebhookOutcome },
          },
        },
        async (request) => {
          const { storeId } = request.params as { storeId: string };
          const connection = await db.withStore(storeId, (trx) => readConnection(trx, storeId));
          if (
            connection?.platform !== 'woocommerce' ||
            connection.state === 'disconnected' ||
            connection.webhook_secret === null
          ) {
            // Unknown and disconnected stores look the same: nothing to learn by probing ids.
            return { status: 'ignored' };
          }
          let secret: string;
          try {
            secret = sealer.unseal(storeId, 'webhook_secret', connection.webhook_secret);
          } catch (err) {
            if (!(err instanceof ConnectionSealingError)) throw err;
            throw new AppError('invalid_signature', 'The store cannot verify webhooks until it reconnects', {
              cause: err,
            });
          }
          const delivery = verified(() =>
            verifyWooCommerceWebhook({
              rawBody: rawBody(request.body),
              headers: request.headers,
              secret,
              currency: connection.currency,
            }),
          );
          return apply(storeId, 'woocommerce', delivery);
        },
      );
    });
  };
}
