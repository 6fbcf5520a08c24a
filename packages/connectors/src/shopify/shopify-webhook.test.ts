import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WebhookDelivery } from '../catalog-connector.ts';
import type { ShopifyTestServer } from '../testing/index.ts';
import { isWebhookVerificationError } from '../webhook-verification-error.ts';
import { collect, useShopifyShops } from './shopify-connector-harness.ts';
import { verifyShopifyWebhook } from './shopify-webhook.ts';

const { shop, connect } = useShopifyShops();

let server: ShopifyTestServer;
let store: { currency: string | null; storefrontUrl: string | null };
beforeAll(async () => {
  server = await shop({
    products: [
      {},
      {
        variants: [
          {
            price: '30.00',
            inventoryPolicy: 'CONTINUE',
            inventoryQuantity: 0,
            options: { Size: 'L', Colour: 'Navy' },
          },
          { price: '25.50', tracked: false, inventoryQuantity: 0, options: { Size: 'XL', Colour: 'Rust' } },
        ],
      },
      { status: 'DRAFT' },
    ],
  });
  store = await connect(server).verify();
});

const verify = (delivery: { rawBody: Buffer; headers: Record<string, string> }) =>
  verifyShopifyWebhook({ ...delivery, apiSecret: server.apiSecret, store });

const refusal = (code: string) => (err: unknown) => isWebhookVerificationError(err) && err.code === code;

describe('Shopify webhooks', () => {
  it('turns a signed products/update into the product a sync reads', async () => {
    const synced = await collect(connect(server).fetchProducts({ mode: 'full', since: null, cursor: null }));
    for (const product of server.products().filter((candidate) => candidate.status === 'ACTIVE')) {
      const delivery = verify(server.signWebhook('products/update', product.id));
      expect(delivery.topic).toBe('products/update');
      expect(delivery.shop).toBe(server.shop);
      expect(delivery.change).toEqual({
        kind: 'upsert',
        product: synced.products.find(
          (candidate) => candidate.externalId === `gid://shopify/Product/${product.id}`,
        ),
      });
    }
  });

  it('reads availability and options from REST variants', () => {
    const product = server.products()[1];
    const delivery = verify(server.signWebhook('products/create', product?.id ?? 0));
    if (delivery.change.kind !== 'upsert') throw new Error('expected an upsert');
    expect(delivery.change.product.price).toEqual({ amountMinor: 2550, currency: 'USD' });
    expect(
      delivery.change.product.variants.map((variant) => [variant.availability, variant.options]),
    ).toEqual([
      ['backorder', { Size: 'L', Colour: 'Navy' }],
      ['in_stock', { Size: 'XL', Colour: 'Rust' }],
    ]);
  });

  it('reports deletions, drafts and uninstalls', () => {
    const [first, , draft] = server.products();
    expect(verify(server.signWebhook('products/delete', first?.id ?? 0)).change).toEqual({
      kind: 'delete',
      deletion: { externalId: `gid://shopify/Product/${first?.id}` },
    });
    expect(verify(server.signWebhook('products/update', draft?.id ?? 0)).change).toEqual({
      kind: 'delete',
      deletion: { externalId: `gid://shopify/Product/${draft?.id}` },
    });
    expect(verify(server.signWebhook('app/uninstalled', null)).change).toEqual({ kind: 'uninstalled' });
  });

  it('refuses a bad or missing signature, and a body changed after signing', () => {
    const product = server.products()[0]?.id ?? 0;
    expect(() => verify(server.signWebhook('products/update', product, { signature: 'invalid' }))).toThrow(
      expect.toSatisfy(refusal('signature_invalid')),
    );
    expect(() => verify(server.signWebhook('products/update', product, { signature: 'missing' }))).toThrow(
      expect.toSatisfy(refusal('signature_missing')),
    );
    const signed = server.signWebhook('products/update', product);
    const tampered = Buffer.from(signed.rawBody.toString('utf8').replace('"title":"', '"title":"FREE '));
    expect(() => verify({ ...signed, rawBody: tampered })).toThrow(
      expect.toSatisfy(refusal('signature_invalid')),
    );
    expect(() => verifyShopifyWebhook({ ...signed, apiSecret: 'another-app' })).toThrow(
      expect.toSatisfy(refusal('signature_invalid')),
    );
  });

  it('refuses a signed delivery that does not name its topic, shop or id', () => {
    const signed = server.signWebhook('products/update', server.products()[0]?.id ?? 0);
    const { 'x-shopify-webhook-id': _, ...headers } = signed.headers;
    expect(() => verify({ ...signed, headers })).toThrow(expect.toSatisfy(refusal('payload_invalid')));
  });

  it('gives a replayed delivery the same delivery id, for the receiver to drop', () => {
    const product = server.products()[0]?.id ?? 0;
    const original = server.signWebhook('products/update', product);
    const replay = server.signWebhook('products/update', product, { webhookId: original.webhookId });
    expect(verify(replay).deliveryId).toBe(verify(original).deliveryId);
    expect(verify(original).deliveryId).toBe(original.webhookId);
  });

  it('ignores topics the sync does not follow', () => {
    const signed = server.signWebhook('products/update', server.products()[0]?.id ?? 0);
    const delivery = verify({
      ...signed,
      headers: { ...signed.headers, 'x-shopify-topic': 'orders/create' },
    });
    expect(delivery.change.kind).toBe('ignored');
  });

  it('posts deliveries over HTTP with the headers Shopify sends', async () => {
    const received: (WebhookDelivery | string)[] = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        try {
          received.push(
            verify({ rawBody: Buffer.concat(chunks), headers: req.headers as Record<string, string> }),
          );
          res.writeHead(200).end();
        } catch (err) {
          received.push(isWebhookVerificationError(err) ? err.code : 'crash');
          res.writeHead(401).end();
        }
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/shopify`;
    const product = server.products()[0]?.id ?? 0;
    const good = await server.sendWebhook('products/update', product, url);
    const replayed = await server.sendWebhook('products/update', product, url, { webhookId: good.webhookId });
    const forged = await server.sendWebhook('products/update', product, url, { signature: 'invalid' });
    receiver.close();
    expect([good.status, replayed.status, forged.status]).toEqual([200, 200, 401]);
    expect((received[0] as WebhookDelivery).deliveryId).toBe((received[1] as WebhookDelivery).deliveryId);
    expect(received[2]).toBe('signature_invalid');
  });
});
