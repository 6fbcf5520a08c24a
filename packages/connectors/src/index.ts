export type {
  CatalogConnector,
  FetchOptions,
  ProductPage,
  StoreIdentity,
  WebhookChange,
  WebhookDelivery,
} from './catalog-connector.ts';
export { ConnectorError, isConnectorError } from './connector-error.ts';
export type {
  Availability,
  Money,
  RejectedSourceProduct,
  SourceDeletion,
  SourceImage,
  SourceProduct,
  SourceVariant,
} from './source-product.ts';
