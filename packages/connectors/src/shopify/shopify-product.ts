import { MAX_SOURCE_IMAGES, normalizeProduct } from '../product-text.ts';
import type {
  Availability,
  RejectedSourceProduct,
  SourceDeletion,
  SourceProduct,
} from '../source-product.ts';
import { type ProductNode, VARIANTS_PER_PRODUCT, type VariantNode } from './shopify-product-documents.ts';

export type ShopifyProductOutcome =
  | { kind: 'product'; product: SourceProduct }
  | { kind: 'rejected'; rejected: RejectedSourceProduct }
  | { kind: 'deleted'; deletion: SourceDeletion };

/**
 * A Shopify product (GraphQL page, bulk lines or a webhook, all brought to one shape) →
 * SourceProduct by the shared rules. A product that is not ACTIVE (draft, archived) is
 * reported as deleted: it is off the storefront, so it must leave the search index too, and
 * when it is reactivated its next update brings it back.
 */
export function shopifyProduct(node: ProductNode): ShopifyProductOutcome {
  const externalId = node.id ?? null;
  if (externalId !== null && node.status !== undefined && node.status !== null && node.status !== 'ACTIVE') {
    return { kind: 'deleted', deletion: { externalId } };
  }
  // Only the first images are fetched, so the count comes from `mediaCount`.
  const imageCount = node.mediaCount?.count ?? node.media.length;
  if (imageCount > MAX_SOURCE_IMAGES) {
    return {
      kind: 'rejected',
      rejected: {
        externalId,
        code: 'too_many_images',
        message: `Product ${externalId} has ${imageCount} images; more than ${MAX_SOURCE_IMAGES} is refused`,
      },
    };
  }
  const min = node.priceRangeV2?.minVariantPrice ?? null;
  const currency = min?.currencyCode ?? null;
  const normalized = normalizeProduct({
    externalId,
    title: node.title,
    description: node.descriptionHtml,
    url: node.onlineStoreUrl,
    price: min === null ? null : { amount: min.amount, currency: min.currencyCode },
    categories: [node.productType],
    tags: node.tags ?? [],
    images: node.media
      .filter((media) => media.image !== undefined && media.image !== null)
      .map((media) => ({
        url: media.image?.url,
        alt: media.alt ?? null,
        width: media.image?.width ?? null,
        height: media.image?.height ?? null,
      })),
    variants: node.variants.slice(0, VARIANTS_PER_PRODUCT).map((variant) => ({
      externalId: variant.id,
      title: variant.title,
      sku: variant.sku ?? null,
      price:
        variant.price === null || variant.price === undefined || currency === null
          ? null
          : { amount: variant.price, currency },
      availability: variantAvailability(variant),
      options: Object.fromEntries(
        (variant.selectedOptions ?? []).map((option) => [option.name, option.value]),
      ),
      imageUrl: null,
    })),
    updatedAt: node.updatedAt,
  });
  return normalized.ok
    ? { kind: 'product', product: normalized.product }
    : { kind: 'rejected', rejected: normalized.rejected };
}

/**
 * Shopify sells a variant when it is in stock, untracked, or oversold by policy (CONTINUE):
 * the last is a backorder when nothing is on hand.
 */
export function variantAvailability(variant: VariantNode): Availability {
  if (variant.availableForSale === false) return 'out_of_stock';
  const quantity = variant.inventoryQuantity;
  if (variant.inventoryPolicy === 'CONTINUE' && typeof quantity === 'number' && quantity <= 0)
    return 'backorder';
  return 'in_stock';
}
