import { ConnectorError } from '../connector-error.ts';
import {
  type ImageDraft,
  type NormalizedProduct,
  normalizeProduct,
  type PriceDraft,
  type VariantDraft,
} from '../product-text.ts';
import type { Availability, SourceDeletion } from '../source-product.ts';
import { merchantAvailability } from './merchant-items.ts';

type JsonObject = Record<string, unknown>;

export type JsonFeedEntry =
  | { kind: 'product'; result: NormalizedProduct }
  | { kind: 'deleted'; deletion: SourceDeletion };

/**
 * A JSON feed: an array of products or `{ products: [...] }`, each in the custom catalog API's
 * field names (`external_id`, `title`, `description`, `url`, `price: { amount_minor, currency }`,
 * `categories`, `in_stock`, `images: [{ url }]`) or Google's (`id`, `link`, `price: "19.99 USD"`,
 * `availability`, `image_link`, `additional_image_link`, `product_type`), plus `tags`, `brand`,
 * `variants` and `deleted: true` for a product the merchant removed.
 */
export function jsonFeedEntries(text: string, base?: string): JsonFeedEntry[] {
  let document: unknown;
  try {
    document = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (cause) {
    throw new ConnectorError('invalid_platform_response', 'The feed is not valid JSON', { cause });
  }
  const list = Array.isArray(document) ? document : isObject(document) ? document.products : undefined;
  if (!Array.isArray(list)) {
    throw new ConnectorError(
      'invalid_platform_response',
      'The JSON feed is neither a list nor { "products": [...] }',
    );
  }
  return list.map((entry): JsonFeedEntry => {
    if (!isObject(entry)) {
      return {
        kind: 'product',
        result: {
          ok: false,
          rejected: { externalId: null, code: 'invalid_product', message: 'Not a JSON object' },
        },
      };
    }
    const externalId = idOf(entry.external_id ?? entry.id);
    if (entry.deleted === true && externalId !== null) return { kind: 'deleted', deletion: { externalId } };
    return { kind: 'product', result: normalizeProduct(productDraft(entry, externalId), base) };
  });
}

function productDraft(entry: JsonObject, externalId: string | null) {
  const variants = Array.isArray(entry.variants) ? entry.variants.filter(isObject).map(variantDraft) : [];
  const categories = Array.isArray(entry.categories)
    ? entry.categories.map(text)
    : (text(entry.product_type)
        ?.split('>')
        .map((part) => part.trim())
        .toReversed() ?? []);
  return {
    externalId,
    title: text(entry.title),
    description: text(entry.description),
    url: text(entry.url ?? entry.link),
    price: priceOf(entry.sale_price ?? entry.price, entry.currency),
    ...(variants.length > 0 && entry.in_stock === undefined && entry.availability === undefined
      ? {}
      : { availability: availabilityOf(entry) }),
    categories,
    tags: [...(Array.isArray(entry.tags) ? entry.tags.map(text) : []), text(entry.brand)],
    images: imagesOf(entry),
    variants,
    updatedAt: text(entry.updated_at),
  };
}

function variantDraft(entry: JsonObject): VariantDraft {
  const options: Record<string, string> = {};
  if (isObject(entry.options)) {
    for (const [name, value] of Object.entries(entry.options))
      if (typeof value === 'string') options[name] = value;
  }
  return {
    externalId: idOf(entry.external_id ?? entry.id),
    title: text(entry.title),
    sku: text(entry.sku),
    price: priceOf(entry.sale_price ?? entry.price, entry.currency),
    availability: availabilityOf(entry),
    options,
    imageUrl: text(entry.image_url ?? entry.image_link),
  };
}

function priceOf(value: unknown, currency: unknown): PriceDraft | null {
  if (value === undefined || value === null) return null;
  if (isObject(value)) {
    if ('amount_minor' in value)
      return { amountMinor: value.amount_minor, currency: String(value.currency ?? '') };
    return {
      amount: typeof value.amount === 'number' ? value.amount : String(value.amount ?? ''),
      currency: String(value.currency ?? ''),
    };
  }
  if (typeof value === 'number')
    return { amount: value, currency: typeof currency === 'string' ? currency : '' };
  return { text: String(value), fallbackCurrency: typeof currency === 'string' ? currency : null };
}

function availabilityOf(entry: JsonObject): Availability {
  if (typeof entry.in_stock === 'boolean') return entry.in_stock ? 'in_stock' : 'out_of_stock';
  return merchantAvailability(text(entry.availability) ?? undefined);
}

function imagesOf(entry: JsonObject): ImageDraft[] {
  const listed = Array.isArray(entry.images) ? entry.images : [];
  const extra = Array.isArray(entry.additional_image_link)
    ? entry.additional_image_link
    : entry.additional_image_link === undefined
      ? []
      : [entry.additional_image_link];
  return [...listed, ...(entry.image_link === undefined ? [] : [entry.image_link]), ...extra].map((image) =>
    isObject(image) ? { url: text(image.url), alt: text(image.alt) } : { url: text(image) },
  );
}

function idOf(value: unknown): string | null {
  return typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))
    ? String(value)
    : null;
}

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : null;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
