import { createHmac, timingSafeEqual } from 'node:crypto';
import type { WebhookChange, WebhookDelivery } from '../catalog-connector.ts';
import { WebhookVerificationError } from '../webhook-verification-error.ts';
import { fromWooProduct, isListed, type WooProduct } from './woocommerce-product.ts';

export interface WooCommerceWebhookInput {
  rawBody: Buffer;
  headers: Record<string, string | string[] | undefined>;
  /** The secret the webhook was registered with. */
  secret: string;
  /**
   * The store currency (from `verify()`): product payloads carry prices without one. Without
   * it the product is upserted with no price and the next sync fills it in.
   */
  currency?: string | null;
}

/**
 * Checks a WooCommerce webhook delivery and reduces it to a change. The signature is the
 * base64 HMAC-SHA256 of the raw body with the webhook's secret (`X-WC-Webhook-Signature`),
 * compared in constant time. WooCommerce "pings" a new webhook with an unsigned form body
 * `webhook_id=N`; that carries no product and is acknowledged as ignored.
 * A variable product arrives without its variations: it is upserted with WooCommerce's own
 * lowest price and stock status, and the next sync brings the variants.
 */
export function verifyWooCommerceWebhook(input: WooCommerceWebhookInput): WebhookDelivery {
  const { rawBody, headers } = input;
  const signature = first(headers['x-wc-webhook-signature']);
  const topic = first(headers['x-wc-webhook-topic']) ?? '';
  const deliveryId = first(headers['x-wc-webhook-delivery-id']) ?? '';
  if (signature === undefined) {
    if (/^webhook_id=\d+$/.test(rawBody.toString('utf8').trim())) {
      return {
        deliveryId,
        topic: 'ping',
        change: { kind: 'ignored', reason: 'ping sent when the webhook was created' },
      };
    }
    throw new WebhookVerificationError(
      'signature_missing',
      'The delivery has no X-WC-Webhook-Signature header',
    );
  }
  const expected = createHmac('sha256', input.secret).update(rawBody).digest();
  const given = Buffer.from(signature, 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new WebhookVerificationError(
      'signature_invalid',
      'The X-WC-Webhook-Signature does not match the body',
    );
  }
  let payload: WooProduct;
  try {
    payload = JSON.parse(rawBody.toString('utf8')) as WooProduct;
  } catch {
    throw new WebhookVerificationError('payload_invalid', 'The delivery body is not JSON');
  }
  if (typeof payload !== 'object' || payload === null || typeof payload.id !== 'number') {
    throw new WebhookVerificationError('payload_invalid', 'The delivery body has no numeric product id');
  }
  if (deliveryId === '')
    throw new WebhookVerificationError('payload_invalid', 'X-WC-Webhook-Delivery-ID is missing');
  return { deliveryId, topic, change: changeFor(topic, payload, input.currency ?? null) };
}

function changeFor(topic: string, product: WooProduct, currency: string | null): WebhookChange {
  const externalId = String(product.id);
  switch (topic) {
    case 'product.deleted':
      return { kind: 'delete', deletion: { externalId } };
    case 'product.created':
    case 'product.updated':
    case 'product.restored': {
      if (!isListed(product)) return { kind: 'delete', deletion: { externalId } };
      const result = fromWooProduct(product, [], currency);
      return result.ok
        ? { kind: 'upsert', product: result.product }
        : { kind: 'rejected', rejected: result.rejected };
    }
    default:
      return { kind: 'ignored', reason: `topic ${topic || '(none)'} is not a product change` };
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
