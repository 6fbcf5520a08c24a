// The one product model every connector produces, whatever the platform calls things.
// The sync worker diffs, stores and publishes this; nothing downstream knows the platform.

export interface Money {
  /** Integer minor units of `currency` (cents for USD, yen for JPY). */
  amountMinor: number;
  /** ISO 4217 code, upper case. */
  currency: string;
}

export type Availability = 'in_stock' | 'out_of_stock' | 'preorder' | 'backorder';

export interface SourceImage {
  url: string;
  alt: string | null;
  /** As the platform reports them (before fetching); null when it does not. */
  width: number | null;
  height: number | null;
}

export interface SourceVariant {
  externalId: string;
  title: string;
  sku: string | null;
  price: Money | null;
  availability: Availability;
  /** Option name → value (`{ Size: 'M', Colour: 'Navy' }`). */
  options: Record<string, string>;
  imageUrl: string | null;
}

export interface SourceProduct {
  /** The platform's id (`gid://shopify/Product/1`, WooCommerce's numeric id, the feed's `id`). */
  externalId: string;
  title: string;
  /** Plain text: connectors strip HTML. */
  description: string;
  /** The product page on the storefront. */
  url: string | null;
  /** The lowest price among variants (or the product's own). */
  price: Money | null;
  /** In stock when any variant is. */
  availability: Availability;
  /** Most specific first (`['Dresses', 'Women']`); the product type or feed category. */
  categories: string[];
  tags: string[];
  /** In the platform's order; the first is the main image. */
  images: SourceImage[];
  variants: SourceVariant[];
  /** When the platform last changed it, if it says. */
  updatedAt: string | null;
}

/** A product the connector could not turn into a SourceProduct, with why (for the run log). */
export interface RejectedSourceProduct {
  externalId: string | null;
  /** Machine-readable: `missing_id`, `missing_title`, `invalid_price`, `too_many_images`, … */
  code: string;
  message: string;
}

/** A deletion the platform told about (webhook, or a feed/REST status such as `trash`). */
export interface SourceDeletion {
  externalId: string;
}
