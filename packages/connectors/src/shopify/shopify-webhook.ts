import { createHmac, timingSafeEqual } from 'node:crypto';
import type { StoreIdentity, WebhookChange, WebhookDelivery } from '../catalog-connector.ts';
import { WebhookVerificationError } from '../webhook-verification-error.ts';
import { isShopifyShopDomain } from './shopify-oauth.ts';
import { shopifyProduct } from './shopify-product.ts';
import type { ProductNode } from './shopify-product-documents.ts';

type Headers = Record<string, string | string[] | undefined>;

export interface VerifyShopifyWebhookOptions {
  rawBody: Buffer;
  headers: Headers;
  apiSecret: string;
  /**
   * What `verify()` read about the shop. REST webhook payloads carry neither the currency
   * nor the storefront URL; without them the product's prices and page link are null, so
   * pass them to keep a webhook's product equal to what a sync reads.
   */
  store?: Pick<StoreIdentity, 'currency' | 'storefrontUrl'>;
}

const first = (headers: Headers, name: string): string | undefined => {
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
};

/**
 * A Shopify webhook delivery, checked and reduced to a change. The signature is the base64
 * HMAC-SHA256 of the raw body with the app secret, compared in constant time; the delivery
 * id is `X-Shopify-Webhook-Id`, the same on every retry of one event, so the caller
 * deduplicates on it.
 */
export function verifyShopifyWebhook(
  options: VerifyShopifyWebhookOptions,
): WebhookDelivery & { shop: string } {
  const signature = first(options.headers, 'x-shopify-hmac-sha256');
  if (signature === undefined || signature === '') {
    throw new WebhookVerificationError(
      'signature_missing',
      'The delivery has no X-Shopify-Hmac-Sha256 header',
    );
  }
  const expected = createHmac('sha256', options.apiSecret).update(options.rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WebhookVerificationError('signature_invalid', 'The delivery signature does not match its body');
  }
  const topic = first(options.headers, 'x-shopify-topic');
  const shop = first(options.headers, 'x-shopify-shop-domain');
  const deliveryId = first(options.headers, 'x-shopify-webhook-id');
  if (
    topic === undefined ||
    shop === undefined ||
    !isShopifyShopDomain(shop) ||
    deliveryId === undefined ||
    deliveryId === ''
  ) {
    throw new WebhookVerificationError(
      'payload_invalid',
      'A signed delivery must name its topic, shop domain and webhook id',
    );
  }
  let payload: unknown;
  try {
    payload = JSON.parse(options.rawBody.toString('utf8'));
  } catch {
    throw new WebhookVerificationError('payload_invalid', 'The delivery body is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new WebhookVerificationError('payload_invalid', 'The delivery body is not a JSON object');
  }
  return { deliveryId, topic, shop, change: webhookChange(topic, payload as RestProduct, options.store) };
}

/** The REST-shaped product Shopify posts (`products/create`, `products/update`). */
interface RestProduct {
  id?: number | string;
  admin_graphql_api_id?: string;
  title?: string | null;
  handle?: string | null;
  body_html?: string | null;
  product_type?: string | null;
  tags?: string | null;
  status?: string | null;
  published_at?: string | null;
  updated_at?: string | null;
  options?: { name: string; position: number }[];
  images?: {
    id?: number;
    src?: string;
    alt?: string | null;
    width?: number | null;
    height?: number | null;
  }[];
  variants?: RestVariant[];
}

interface RestVariant {
  id?: number | string;
  admin_graphql_api_id?: string;
  title?: string | null;
  sku?: string | null;
  price?: string | null;
  inventory_policy?: string;
  inventory_quantity?: number | null;
  inventory_management?: string | null;
  option1?: string | null;
  option2?: string | null;
  option3?: string | null;
}

function webhookChange(
  topic: string,
  payload: RestProduct,
  store: VerifyShopifyWebhookOptions['store'],
): WebhookChange {
  if (topic === 'app/uninstalled') return { kind: 'uninstalled' };
  if (topic !== 'products/create' && topic !== 'products/update' && topic !== 'products/delete') {
    return { kind: 'ignored', reason: `topic ${topic} is not synced` };
  }
  const externalId = gid('Product', payload.admin_graphql_api_id, payload.id);
  if (topic === 'products/delete') {
    if (externalId === null)
      throw new WebhookVerificationError('payload_invalid', 'A deletion must name the product id');
    return { kind: 'delete', deletion: { externalId } };
  }
  const outcome = shopifyProduct(restProductNode(payload, externalId, store));
  if (outcome.kind === 'product') return { kind: 'upsert', product: outcome.product };
  if (outcome.kind === 'deleted') return { kind: 'delete', deletion: outcome.deletion };
  return { kind: 'rejected', rejected: outcome.rejected };
}

/** REST ids are numbers; GraphQL ids are gids. Products are keyed by gid whichever way they came. */
function gid(type: string, given: string | undefined, id: number | string | undefined): string | null {
  if (typeof given === 'string' && given.startsWith(`gid://shopify/${type}/`)) return given;
  if ((typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && /^\d+$/.test(id))) {
    return `gid://shopify/${type}/${id}`;
  }
  return null;
}

function restProductNode(
  product: RestProduct,
  externalId: string | null,
  store: VerifyShopifyWebhookOptions['store'],
): ProductNode {
  const currency = store?.currency ?? null;
  const variants = product.variants ?? [];
  const options = [...(product.options ?? [])].sort((a, b) => a.position - b.position);
  const prices = variants
    .map((variant) => variant.price)
    .filter((price): price is string => typeof price === 'string');
  const lowest =
    prices.length === 0 ? null : prices.reduce((low, price) => (Number(price) < Number(low) ? price : low));
  const storefront = store?.storefrontUrl?.replace(/\/+$/, '') ?? null;
  const published = product.published_at !== null && product.published_at !== undefined;
  return {
    id: externalId,
    title: product.title ?? null,
    handle: product.handle ?? null,
    descriptionHtml: product.body_html ?? null,
    // GraphQL's onlineStoreUrl is exactly this for a product published on the online store.
    onlineStoreUrl:
      storefront !== null && published && product.handle ? `${storefront}/products/${product.handle}` : null,
    productType: product.product_type ?? null,
    tags: (product.tags ?? '')
      .split(',')
      .map((tag) => tag.trim())
      .filter((tag) => tag !== ''),
    status: typeof product.status === 'string' ? product.status.toUpperCase() : null,
    updatedAt: product.updated_at ?? null,
    mediaCount: { count: product.images?.length ?? 0 },
    priceRangeV2:
      currency === null || lowest === null
        ? null
        : { minVariantPrice: { amount: lowest, currencyCode: currency } },
    media: (product.images ?? []).map((image) => ({
      mediaContentType: 'IMAGE',
      alt: image.alt ?? null,
      image: { url: image.src ?? '', width: image.width ?? null, height: image.height ?? null },
    })),
    variants: variants.map((variant) => {
      const quantity = variant.inventory_quantity ?? null;
      const tracked = variant.inventory_management !== null;
      const policy = variant.inventory_policy?.toUpperCase() ?? 'DENY';
      return {
        id: gid('ProductVariant', variant.admin_graphql_api_id, variant.id),
        title: variant.title ?? null,
        sku: variant.sku ?? null,
        price: variant.price ?? null,
        // What GraphQL's availableForSale says for the same variant.
        availableForSale: !tracked || policy === 'CONTINUE' || (quantity ?? 0) > 0,
        inventoryPolicy: policy,
        inventoryQuantity: quantity,
        selectedOptions: options.flatMap((option) => {
          const value = [variant.option1, variant.option2, variant.option3][option.position - 1];
          return typeof value === 'string' ? [{ name: option.name, value }] : [];
        }),
      };
    }),
  };
}
