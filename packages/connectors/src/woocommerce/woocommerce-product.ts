import { type NormalizedProduct, normalizeProduct, type VariantDraft } from '../product-text.ts';
import type { Availability } from '../source-product.ts';

// The fields of WooCommerce's wc/v3 product and variation resources this connector reads
// (components/schemas/product and product_variation of the wc/v3 OpenAPI document).

export interface WooTerm {
  id?: number;
  name?: string;
  slug?: string;
}

export interface WooImage {
  id?: number;
  src?: string;
  name?: string;
  alt?: string;
}

export type WooStockStatus = 'instock' | 'outofstock' | 'onbackorder';

export interface WooProduct {
  id?: number;
  name?: string;
  permalink?: string;
  date_modified_gmt?: string;
  type?: 'simple' | 'grouped' | 'external' | 'variable';
  status?: string;
  catalog_visibility?: 'visible' | 'catalog' | 'search' | 'hidden';
  description?: string;
  short_description?: string;
  sku?: string;
  price?: string;
  regular_price?: string;
  stock_status?: WooStockStatus;
  categories?: WooTerm[];
  tags?: WooTerm[];
  images?: WooImage[];
  variations?: number[];
}

export interface WooVariation {
  id?: number;
  permalink?: string;
  sku?: string;
  price?: string;
  regular_price?: string;
  status?: string;
  stock_status?: WooStockStatus;
  image?: WooImage;
  attributes?: { id?: number; name?: string; option?: string }[];
}

const AVAILABILITY: Record<WooStockStatus, Availability> = {
  instock: 'in_stock',
  outofstock: 'out_of_stock',
  onbackorder: 'backorder',
};

/**
 * Whether a product belongs in the search: published and visible in the shop's search. Drafts,
 * private, pending, scheduled, trashed and hidden products are reported as deletions, so a
 * product that stops being sold also stops being found.
 */
export function isListed(product: WooProduct): boolean {
  return (
    product.status === 'publish' &&
    product.catalog_visibility !== 'hidden' &&
    product.catalog_visibility !== 'catalog'
  );
}

/**
 * One WooCommerce product (with its published variations, for a variable product) as a
 * SourceProduct. `price` is the current (sale-aware) price; WooCommerce's own `price` of a
 * variable product is already its cheapest variation, which is what a webhook carries.
 */
export function fromWooProduct(
  product: WooProduct,
  variations: readonly WooVariation[],
  currency: string | null,
  siteUrl?: string,
): NormalizedProduct {
  const variants: VariantDraft[] = variations
    .filter((variation) => variation.status === undefined || variation.status === 'publish')
    .map((variation) => {
      const options: Record<string, string> = {};
      for (const attribute of variation.attributes ?? []) {
        if (attribute.name && attribute.option) options[attribute.name] = attribute.option;
      }
      return {
        externalId: variation.id,
        title: Object.values(options).join(' / '),
        sku: variation.sku,
        price: priceDraft(variation.price, currency),
        availability: AVAILABILITY[variation.stock_status ?? 'instock'] ?? 'in_stock',
        options,
        imageUrl: variation.image?.src ?? null,
      };
    });
  const ownAvailability = AVAILABILITY[product.stock_status ?? 'instock'] ?? 'in_stock';
  return normalizeProduct(
    {
      externalId: product.id,
      title: product.name,
      description: product.description || product.short_description,
      url: product.permalink,
      // A variable product's own price is the cheapest variation's; with variations in hand, take theirs.
      price: variants.length > 0 ? null : priceDraft(product.price, currency),
      ...(variants.length > 0 ? {} : { availability: ownAvailability }),
      categories: (product.categories ?? []).map((term) => term.name),
      tags: (product.tags ?? []).map((term) => term.name),
      images: (product.images ?? []).map((image) => ({ url: image.src, alt: image.alt })),
      variants,
      updatedAt: gmtDate(product.date_modified_gmt),
    },
    siteUrl,
  );
}

function priceDraft(amount: string | undefined, currency: string | null) {
  return amount === undefined || amount === '' || currency === null ? null : { amount, currency };
}

/** WooCommerce's `*_gmt` dates carry no zone designator ("2026-11-01T10:00:00"): they are UTC. */
export function gmtDate(value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  return /[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value : `${value}Z`;
}
