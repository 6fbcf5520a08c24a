import {
  type CatalogConnector,
  ConnectorError,
  createFeedConnector,
  createShopifyConnector,
  createWooCommerceConnector,
  type PlatformHttpOptions,
} from '@nlyzer/connectors';
import type { FeedFormat } from '@nlyzer/contracts';
import { connectionSealingKey } from '../../config.ts';
import type { SyncContext } from '../../sync-context.ts';
import {
  type ConnectionSealer,
  ConnectionSealingError,
  createConnectionSealer,
} from './connection-sealing.ts';
import { readConnection } from './connection-store.ts';

/** The sealed `credentials` of a connection, by platform (a feed needs none). */
export type PlatformCredentials =
  | { platform: 'shopify'; access_token: string; scopes: string[] }
  | { platform: 'woocommerce'; consumer_key: string; consumer_secret: string };

export type ShopifyConnector = ReturnType<typeof createShopifyConnector>;
export type WooCommerceConnector = ReturnType<typeof createWooCommerceConnector>;
export type FeedConnector = ReturnType<typeof createFeedConnector>;

export interface ConnectorFactory {
  sealer: ConnectionSealer;
  shopify(shop: string, accessToken: string): ShopifyConnector;
  woocommerce(storeUrl: string, consumerKey: string, consumerSecret: string): WooCommerceConnector;
  feed(url: string, format: FeedFormat | null): FeedConnector;
  /**
   * The connector of the store's live connection, credentials unsealed; ConnectorError when
   * there is none. Every connector also has `close()` (its HTTP connections): call it when done.
   */
  connectorFor(storeId: string): Promise<CatalogConnector & { close(): Promise<void> }>;
  /** Options for any other platform call (the Shopify code exchange). */
  http: PlatformHttpOptions;
}

/** Builds the platform connectors with the deployment's network policy, from the sealed connection. */
export function createConnectorFactory(context: SyncContext): ConnectorFactory {
  const { config, db } = context;
  const sealer = createConnectionSealer(connectionSealingKey(config));
  const http: PlatformHttpOptions = { allowPrivateNetworks: config.PLATFORM_FETCH_ALLOW_PRIVATE };
  const adminOrigin =
    config.SHOPIFY_ADMIN_ORIGIN === undefined ? {} : { adminOrigin: config.SHOPIFY_ADMIN_ORIGIN };

  const factory: ConnectorFactory = {
    sealer,
    http,
    shopify: (shop, accessToken) => createShopifyConnector({ shop, accessToken, ...adminOrigin, http }),
    woocommerce: (storeUrl, consumerKey, consumerSecret) =>
      createWooCommerceConnector({ storeUrl, consumerKey, consumerSecret, http }),
    feed: (url, format) =>
      createFeedConnector({
        url,
        ...(format === null ? {} : { format }),
        http,
      }),
    async connectorFor(storeId) {
      const connection = await db.withStore(storeId, (trx) => readConnection(trx, storeId));
      if (connection === undefined || connection.state !== 'connected') {
        throw new ConnectorError('platform_auth_failed', 'The store is not connected to a platform');
      }
      if (connection.platform === 'custom') {
        if (connection.source === null) {
          throw new ConnectorError(
            'platform_auth_failed',
            'The store pushes its catalog through the catalog API: there is no feed to pull',
          );
        }
        return factory.feed(connection.source, connection.feed_format);
      }
      const credentials = unsealCredentials(sealer, storeId, connection.credentials);
      if (
        credentials.platform === 'shopify' &&
        connection.platform === 'shopify' &&
        connection.source !== null
      ) {
        return factory.shopify(connection.source, credentials.access_token);
      }
      if (
        credentials.platform === 'woocommerce' &&
        connection.platform === 'woocommerce' &&
        connection.source !== null
      ) {
        return factory.woocommerce(connection.source, credentials.consumer_key, credentials.consumer_secret);
      }
      throw new ConnectorError(
        'platform_auth_failed',
        'The stored credentials do not match the connected platform',
      );
    },
  };
  return factory;
}

function unsealCredentials(
  sealer: ConnectionSealer,
  storeId: string,
  sealed: Uint8Array | null,
): PlatformCredentials {
  if (sealed === null)
    throw new ConnectorError('platform_auth_failed', 'The connection has no stored credentials');
  try {
    return JSON.parse(sealer.unseal(storeId, 'credentials', sealed)) as PlatformCredentials;
  } catch (err) {
    if (!(err instanceof ConnectionSealingError)) throw err;
    // A rotated-away key or an altered row: reconnecting is the merchant's way out.
    throw new ConnectorError(
      'platform_auth_failed',
      `The stored credentials cannot be opened (${err.code})`,
      {
        cause: err,
      },
    );
  }
}

export function sealCredentials(
  sealer: ConnectionSealer,
  storeId: string,
  credentials: PlatformCredentials,
): Uint8Array {
  return sealer.seal(storeId, 'credentials', JSON.stringify(credentials));
}
