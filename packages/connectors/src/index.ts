export type {
  CatalogConnector,
  FetchOptions,
  ProductPage,
  StoreIdentity,
  WebhookChange,
  WebhookDelivery,
} from './catalog-connector.ts';
export { ConnectorError, isConnectorError } from './connector-error.ts';
export {
  createFeedConnector,
  type FeedConnector,
  type FeedConnectorOptions,
} from './feed/feed-connector.ts';
export {
  createPlatformHttp,
  type PlatformHttp,
  type PlatformHttpConfig,
  type PlatformHttpOptions,
  type PlatformRequestInit,
  type PlatformResponse,
} from './platform-http.ts';
export {
  createShopifyConnector,
  INCREMENTAL_BULK_THRESHOLD,
  type ShopifyConnector,
  type ShopifyConnectorOptions,
} from './shopify/shopify-connector.ts';
export {
  type ExchangeShopifyCodeOptions,
  exchangeShopifyCode,
  isShopifyShopDomain,
  type ShopifyAuthorizeUrlOptions,
  shopifyAuthorizeUrl,
  verifyShopifyOAuthCallback,
} from './shopify/shopify-oauth.ts';
export { type VerifyShopifyWebhookOptions, verifyShopifyWebhook } from './shopify/shopify-webhook.ts';
export type {
  Availability,
  Money,
  RejectedSourceProduct,
  SourceDeletion,
  SourceImage,
  SourceProduct,
  SourceVariant,
} from './source-product.ts';
export {
  isWebhookVerificationError,
  WebhookVerificationError,
  type WebhookVerificationErrorCode,
} from './webhook-verification-error.ts';
export {
  createWooCommerceConnector,
  WOOCOMMERCE_WEBHOOK_TOPICS,
  type WooCommerceConnector,
  type WooCommerceConnectorOptions,
} from './woocommerce/woocommerce-connector.ts';
export { verifyWooCommerceWebhook, type WooCommerceWebhookInput } from './woocommerce/woocommerce-webhook.ts';
