// The in-memory shop behind the Shopify test server: products as Shopify stores them, and
// the two shapes it shows them in (GraphQL objects for the Admin API, REST JSON for webhooks).

export interface ShopifyTestImage {
  id: number;
  altText: string | null;
  width: number;
  height: number;
  /** Served from the test server's CDN path unless set (a broken or non-image URL for tests). */
  url?: string;
}

export interface ShopifyTestVariant {
  id: number;
  title: string;
  sku: string | null;
  /** Decimal in the shop currency, as Shopify's Money scalar ("19.99"). */
  price: string;
  inventoryQuantity: number;
  inventoryPolicy: 'DENY' | 'CONTINUE';
  tracked: boolean;
  options: Record<string, string>;
}

export interface ShopifyTestProduct {
  id: number;
  title: string;
  handle: string;
  descriptionHtml: string;
  productType: string;
  vendor: string;
  tags: string[];
  status: 'ACTIVE' | 'DRAFT' | 'ARCHIVED';
  /** Published on the online store (it then has an onlineStoreUrl). */
  published: boolean;
  createdAt: string;
  /** Whole seconds, as Shopify reports it. */
  updatedAt: string;
  images: ShopifyTestImage[];
  variants: ShopifyTestVariant[];
}

export type ShopifyTestProductInput = Partial<Omit<ShopifyTestProduct, 'images' | 'variants'>> & {
  images?: (Partial<ShopifyTestImage> | string)[];
  variants?: Partial<ShopifyTestVariant>[];
};

const PRODUCT_ID_BASE = 8_100_000_000_000;
const TYPES = ['Dresses', 'Shirts', 'Trousers', 'Jackets', 'Shoes', 'Bags'];
const TYPE_NOUNS = ['dress', 'shirt', 'trousers', 'jacket', 'shoes', 'bag'];
const COLOURS = ['Navy', 'Olive', 'Rust', 'Ivory', 'Charcoal', 'Sage'];
const CATALOG_EPOCH = Date.parse('2026-01-01T00:00:00Z');

export const secondsIso = (time: number) =>
  new Date(Math.floor(time / 1000) * 1000).toISOString().replace('.000Z', 'Z');

/** A plausible product for slot `index`, with `input` overriding any field. */
export function makeTestProduct(index: number, input: ShopifyTestProductInput = {}): ShopifyTestProduct {
  const id = input.id ?? PRODUCT_ID_BASE + index;
  const type = TYPES[index % TYPES.length] as string;
  const colour = COLOURS[Math.floor(index / TYPES.length) % COLOURS.length] as string;
  const title = input.title ?? `${colour} ${TYPE_NOUNS[index % TYPES.length]} ${index + 1}`;
  const base = 10 + (index % 90);
  const variants = (input.variants ?? [{ options: { Size: 'S' } }, { options: { Size: 'M' } }]).map(
    (variant, position): ShopifyTestVariant => ({
      id: variant.id ?? id * 100 + position,
      title: variant.title ?? (Object.values(variant.options ?? {}).join(' / ') || 'Default Title'),
      sku: variant.sku === undefined ? `SKU-${index}-${position}` : variant.sku,
      price: variant.price ?? `${base + position * 5}.99`,
      inventoryQuantity: variant.inventoryQuantity ?? (index % 7 === 0 ? 0 : 3 + position),
      inventoryPolicy: variant.inventoryPolicy ?? 'DENY',
      tracked: variant.tracked ?? true,
      options: variant.options ?? { Title: 'Default Title' },
    }),
  );
  const images = (input.images ?? [{}, {}]).map((image, position): ShopifyTestImage => {
    const given = typeof image === 'string' ? { url: image } : image;
    return {
      id: given.id ?? id * 100 + position,
      altText: given.altText === undefined ? `${title}, view ${position + 1}` : given.altText,
      width: given.width ?? 800,
      height: given.height ?? 800,
      ...(given.url === undefined ? {} : { url: given.url }),
    };
  });
  return {
    id,
    title,
    handle:
      input.handle ??
      `${title
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '')}-${id}`,
    descriptionHtml:
      input.descriptionHtml ??
      `<p>A <strong>${colour.toLowerCase()}</strong> ${type.toLowerCase()} piece.</p><ul><li>Cotton</li></ul>`,
    productType: input.productType ?? type,
    vendor: input.vendor ?? 'NLyzer Test Goods',
    tags: input.tags ?? [colour.toLowerCase(), 'test'],
    status: input.status ?? 'ACTIVE',
    published: input.published ?? true,
    createdAt: input.createdAt ?? secondsIso(CATALOG_EPOCH + index * 1000),
    updatedAt: input.updatedAt ?? secondsIso(CATALOG_EPOCH + index * 1000),
    images,
    variants,
  };
}

export const productGid = (id: number) => `gid://shopify/Product/${id}`;
export const variantGid = (id: number) => `gid://shopify/ProductVariant/${id}`;
export const mediaGid = (id: number) => `gid://shopify/MediaImage/${id}`;

export interface ShopView {
  currency: string;
  storefrontUrl: string;
  /** Where an image without its own URL is served from. */
  imageUrl(image: ShopifyTestImage): string;
}

export const onlineStoreUrl = (product: ShopifyTestProduct, shop: ShopView) =>
  product.published && product.status === 'ACTIVE'
    ? `${shop.storefrontUrl}/products/${product.handle}`
    : null;

const availableForSale = (variant: ShopifyTestVariant) =>
  !variant.tracked || variant.inventoryPolicy === 'CONTINUE' || variant.inventoryQuantity > 0;

/** The REST product JSON Shopify posts with products/create and products/update webhooks. */
export function restProduct(product: ShopifyTestProduct, shop: ShopView): Record<string, unknown> {
  const optionNames = [...new Set(product.variants.flatMap((variant) => Object.keys(variant.options)))];
  return {
    id: product.id,
    admin_graphql_api_id: productGid(product.id),
    title: product.title,
    body_html: product.descriptionHtml,
    vendor: product.vendor,
    product_type: product.productType,
    created_at: product.createdAt,
    handle: product.handle,
    updated_at: product.updatedAt,
    published_at: product.published ? product.createdAt : null,
    template_suffix: null,
    published_scope: 'global',
    tags: product.tags.join(', '),
    status: product.status.toLowerCase(),
    variants: product.variants.map((variant, position) => ({
      id: variant.id,
      admin_graphql_api_id: variantGid(variant.id),
      product_id: product.id,
      title: variant.title,
      price: variant.price,
      sku: variant.sku,
      position: position + 1,
      inventory_policy: variant.inventoryPolicy.toLowerCase(),
      inventory_management: variant.tracked ? 'shopify' : null,
      inventory_quantity: variant.inventoryQuantity,
      option1: variant.options[optionNames[0] ?? ''] ?? null,
      option2: variant.options[optionNames[1] ?? ''] ?? null,
      option3: variant.options[optionNames[2] ?? ''] ?? null,
      created_at: product.createdAt,
      updated_at: product.updatedAt,
    })),
    options: optionNames.map((name, position) => ({
      id: product.id * 10 + position,
      product_id: product.id,
      name,
      position: position + 1,
      values: [...new Set(product.variants.map((variant) => variant.options[name]))],
    })),
    images: product.images.map((image, position) => ({
      id: image.id,
      product_id: product.id,
      position: position + 1,
      alt: image.altText,
      width: image.width,
      height: image.height,
      src: shop.imageUrl(image),
      admin_graphql_api_id: `gid://shopify/ProductImage/${image.id}`,
    })),
  };
}

type Args = Record<string, unknown>;
type Connect = <T>(items: T[], args: Args, key: (item: T, index: number) => unknown[]) => unknown;

/**
 * A product as the GraphQL executor resolves it: fields are values, or functions of their
 * arguments for connections (graphql-js calls them).
 */
export function graphqlProduct(
  product: ShopifyTestProduct,
  shop: ShopView,
  connect: Connect,
): Record<string, unknown> {
  const prices = product.variants.map((variant) => Number(variant.price));
  const min = product.variants[prices.indexOf(Math.min(...prices))]?.price ?? '0.0';
  const max = product.variants[prices.indexOf(Math.max(...prices))]?.price ?? '0.0';
  return {
    __typename: 'Product',
    id: productGid(product.id),
    legacyResourceId: String(product.id),
    title: product.title,
    handle: product.handle,
    descriptionHtml: product.descriptionHtml,
    description: product.descriptionHtml.replace(/<[^>]*>/g, ''),
    onlineStoreUrl: onlineStoreUrl(product, shop),
    productType: product.productType,
    vendor: product.vendor,
    tags: product.tags,
    status: product.status,
    createdAt: product.createdAt,
    updatedAt: product.updatedAt,
    totalInventory: product.variants.reduce((sum, variant) => sum + variant.inventoryQuantity, 0),
    tracksInventory: product.variants.some((variant) => variant.tracked),
    mediaCount: { count: product.images.length, precision: 'EXACT' },
    variantsCount: { count: product.variants.length, precision: 'EXACT' },
    priceRangeV2: {
      minVariantPrice: { amount: min, currencyCode: shop.currency },
      maxVariantPrice: { amount: max, currencyCode: shop.currency },
    },
    media: (args: Args) =>
      connect(
        product.images.map((image) => ({
          __typename: 'MediaImage',
          id: mediaGid(image.id),
          alt: image.altText,
          mediaContentType: 'IMAGE',
          status: 'READY',
          image: {
            id: `gid://shopify/ImageSource/${image.id}`,
            url: shop.imageUrl(image),
            altText: image.altText,
            width: image.width,
            height: image.height,
          },
        })),
        args,
        (_, index) => [index],
      ),
    variants: (args: Args) =>
      connect(
        product.variants.map((variant) => ({
          __typename: 'ProductVariant',
          id: variantGid(variant.id),
          title: variant.title,
          sku: variant.sku,
          price: variant.price,
          availableForSale: availableForSale(variant),
          inventoryPolicy: variant.inventoryPolicy,
          inventoryQuantity: variant.inventoryQuantity,
          selectedOptions: Object.entries(variant.options).map(([name, value]) => ({ name, value })),
          inventoryItem: { id: `gid://shopify/InventoryItem/${variant.id}`, tracked: variant.tracked },
        })),
        args,
        (_, index) => [index],
      ),
  };
}
