import {
  type ImageDraft,
  type NormalizedProduct,
  normalizeProduct,
  type PriceDraft,
  type ProductDraft,
  type VariantDraft,
} from '../product-text.ts';
import type { Availability } from '../source-product.ts';

/**
 * One row of a CSV feed or one `<item>` of a Google Merchant XML feed: attribute name (lower
 * case, without the `g:` prefix) → its values (repeated elements, or a list cell split).
 */
export type MerchantItem = Map<string, string[]>;

/** Google's attributes whose values become variant options, with the option's name. */
const VARIANT_OPTIONS: Record<string, string> = {
  size: 'Size',
  color: 'Color',
  material: 'Material',
  pattern: 'Pattern',
  age_group: 'Age group',
  gender: 'Gender',
};

/** Merchant Center availability values, with the older spaced spellings. */
export function merchantAvailability(value: string | undefined): Availability {
  switch (value?.trim().toLowerCase().replaceAll(' ', '_')) {
    case 'out_of_stock':
      return 'out_of_stock';
    case 'preorder':
      return 'preorder';
    case 'backorder':
      return 'backorder';
    default:
      return 'in_stock';
  }
}

function firstValue(item: MerchantItem, ...names: string[]): string | undefined {
  for (const name of names) {
    const value = item.get(name)?.find((entry) => entry.trim() !== '');
    if (value !== undefined) return value.trim();
  }
  return undefined;
}

/** A Merchant price ("15.00 USD"); the current price is `sale_price` when there is one. */
function priceDraftOf(item: MerchantItem): PriceDraft | null {
  const text = firstValue(item, 'sale_price', 'price');
  return text === undefined ? null : { text, fallbackCurrency: null };
}

function imagesOf(item: MerchantItem): ImageDraft[] {
  return [...(item.get('image_link') ?? []), ...(item.get('additional_image_link') ?? [])]
    .map((url) => url.trim())
    .filter((url) => url !== '')
    .map((url) => ({ url }));
}

/** "Apparel > Women > Dresses" → ['Dresses', 'Women', 'Apparel'] (most specific first). */
function categoriesOf(item: MerchantItem): string[] {
  const path = firstValue(item, 'product_type', 'google_product_category');
  return path === undefined
    ? []
    : path
        .split('>')
        .map((part) => part.trim())
        .toReversed();
}

/**
 * Merchant items as products: items sharing `item_group_id` are one product whose variants
 * they are (the group id is the product's id, the first item gives its title, text and
 * images), other items are products of their own. Groups keep the position of their first
 * item, so the order is the feed's.
 */
export function productsFromMerchantItems(
  items: readonly MerchantItem[],
  base?: string,
): NormalizedProduct[] {
  const groups = new Map<string, MerchantItem[]>();
  const order: (MerchantItem | string)[] = [];
  for (const item of items) {
    const groupId = firstValue(item, 'item_group_id');
    if (groupId === undefined) {
      order.push(item);
      continue;
    }
    const group = groups.get(groupId);
    if (group === undefined) {
      groups.set(groupId, [item]);
      order.push(groupId);
    } else group.push(item);
  }
  return order.map((entry) =>
    typeof entry === 'string'
      ? groupProduct(entry, groups.get(entry) as MerchantItem[], base)
      : normalizeProduct(itemDraft(entry), base),
  );
}

function itemDraft(item: MerchantItem): ProductDraft {
  return {
    externalId: firstValue(item, 'id'),
    title: firstValue(item, 'title'),
    description: firstValue(item, 'description'),
    url: firstValue(item, 'link'),
    price: priceDraftOf(item),
    availability: merchantAvailability(firstValue(item, 'availability')),
    categories: categoriesOf(item),
    tags: [firstValue(item, 'brand')],
    images: imagesOf(item),
    variants: [],
    updatedAt: null,
  };
}

function groupProduct(groupId: string, members: readonly MerchantItem[], base?: string): NormalizedProduct {
  const head = itemDraft(members[0] as MerchantItem);
  const images = new Map<string, ImageDraft>();
  for (const member of members) for (const image of imagesOf(member)) images.set(image.url as string, image);
  const mainImage = head.images[0]?.url;
  const variants = members.map((member): VariantDraft => {
    const options: Record<string, string> = {};
    for (const [attribute, name] of Object.entries(VARIANT_OPTIONS)) {
      const value = firstValue(member, attribute);
      if (value !== undefined) options[name] = value;
    }
    const ownImage = firstValue(member, 'image_link');
    return {
      externalId: firstValue(member, 'id'),
      title: Object.values(options).join(' / '),
      sku: firstValue(member, 'mpn', 'gtin'),
      price: priceDraftOf(member),
      availability: merchantAvailability(firstValue(member, 'availability')),
      options,
      imageUrl: ownImage !== undefined && ownImage !== mainImage ? ownImage : null,
    };
  });
  const { availability: _headAvailability, ...rest } = head;
  return normalizeProduct(
    { ...rest, externalId: groupId, price: null, images: [...images.values()], variants },
    base,
  );
}
