import type { Platform } from '@nlyzer/contracts';
import type { RejectedSourceProduct, SourceDeletion, SourceProduct } from './source-product.ts';

export interface FetchOptions {
  /** `full` lists every product; `incremental` those changed since `since`. */
  mode: 'full' | 'incremental';
  /** Lower bound of `updated_at` for incremental fetches; null means everything. */
  since: Date | null;
  /**
   * Where an interrupted fetch resumes: the `cursor` of the last page the caller committed.
   * Opaque to the caller; null starts from the beginning.
   */
  cursor: string | null;
  signal?: AbortSignal;
}

export interface ProductPage {
  products: SourceProduct[];
  rejected: RejectedSourceProduct[];
  /** Products the source marked as gone (WooCommerce `trash`, a feed's `deleted` flag). */
  deleted: SourceDeletion[];
  /** Resume point after this page (pass it back as `FetchOptions.cursor`); null after the last page. */
  cursor: string | null;
  /** Products the platform says match, when it says (for progress); null otherwise. */
  total: number | null;
}

export interface StoreIdentity {
  /** The storefront the widget goes into (primary domain, WordPress site, feed link). */
  storefrontUrl: string | null;
  name: string | null;
  currency: string | null;
}

/** One store on one platform, with its credentials already in hand. */
export interface CatalogConnector {
  readonly platform: Platform;
  /** One cheap authenticated call: proves the credentials and reads who the store is. */
  verify(signal?: AbortSignal): Promise<StoreIdentity>;
  /** Pages in a stable order; every page's `cursor` resumes right after it. */
  fetchProducts(options: FetchOptions): AsyncIterable<ProductPage>;
  /** Releases its HTTP connections; call when done with it. */
  close(): Promise<void>;
}

/** A verified webhook delivery, reduced to what the sync does with it. */
export type WebhookChange =
  | { kind: 'upsert'; product: SourceProduct }
  | { kind: 'rejected'; rejected: RejectedSourceProduct }
  | { kind: 'delete'; deletion: SourceDeletion }
  | { kind: 'uninstalled' }
  | { kind: 'ignored'; reason: string };

export interface WebhookDelivery {
  /** The platform's delivery id, for deduplication (`X-Shopify-Webhook-Id`, `X-WC-Webhook-Delivery-ID`). */
  deliveryId: string;
  topic: string;
  change: WebhookChange;
}
