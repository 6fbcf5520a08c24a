import {
  catalogToMerchantXml,
  startFeedTestServer,
  startShopifyTestServer,
  startWooCommerceTestServer,
  type TestCatalogProduct,
} from '@nlyzer/connectors/testing';
import { type DemoProduct, generateCatalog, renderProductImage } from '@nlyzer/demo-catalog';
import type { Env } from '@nlyzer/service-kit';
import { CliError } from '../runtime/cli-error.ts';
import { type CommandIo, createItemProgress, writeLine } from '../runtime/console-output.ts';
import { LOCAL_STORES_ENV, shopifyAppEnv } from '../runtime/local-platform.ts';
import { untilSignal } from '../runtime/signals.ts';

export interface SandboxOptions {
  products: string;
  port?: string;
}

const PLATFORMS = ['shopify', 'woocommerce', 'feed'] as const;
const SANDBOX_KEYS = { consumerKey: 'ck_sandbox0000000000', consumerSecret: 'cs_sandbox0000000000' };
/** Small photos: a sandbox of a few hundred products renders in seconds. */
const PHOTO_SIDE = 320;
const asShell = (env: Readonly<Record<string, string | undefined>>) =>
  Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join(' ');
const LOCAL_FETCH = asShell(LOCAL_STORES_ENV);

function testCatalogOf(products: readonly DemoProduct[]): TestCatalogProduct[] {
  return products.map((product, index) => ({
    id: index + 1,
    title: product.title,
    description: product.description,
    price: (product.price.amountMinor / 100).toFixed(2),
    categories: [product.category],
    brand: null,
    inStock: product.inStock,
    images: 1,
    variants: [],
    modifiedAt: new Date(Date.UTC(2026, 0, 1, 0, index)).toISOString(),
  }));
}

/**
 * `nlyzer sandbox <shopify|woocommerce|feed>`: a local store to connect a running platform
 * to, serving the generated demo catalog with its photos in that platform's API shapes
 * (the servers the sync tests run against). Prints the `nlyzer connect` line to use, and
 * runs until Ctrl-C.
 */
export async function sandboxCommand(
  platform: string,
  options: SandboxOptions,
  _env: Env,
  io: CommandIo,
): Promise<number> {
  if (!(PLATFORMS as readonly string[]).includes(platform)) {
    throw new CliError('invalid_arguments', `platform must be one of: ${PLATFORMS.join(', ')}`);
  }
  const count = Number(options.products);
  if (!Number.isInteger(count) || count < 1 || count > 20_000) {
    throw new CliError('invalid_arguments', '--products must be an integer 1..20000');
  }
  const port = options.port === undefined ? 0 : Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError('invalid_arguments', '--port must be a port number');
  }

  const products = generateCatalog({ products: count, seed: 2 });
  const rendering = createItemProgress(count, io.stderr);
  const photos: Buffer[] = [];
  for (const product of products) {
    photos.push(await renderProductImage(product, 0, { size: PHOTO_SIDE }));
    rendering.tick();
  }
  rendering.finish();
  const catalog = testCatalogOf(products);

  let close: () => Promise<void>;
  if (platform === 'shopify') {
    const shop = await startShopifyTestServer({
      port,
      products: products.map((product, index) => ({
        title: product.title,
        descriptionHtml: `<p>${product.description}</p>`,
        productType: product.category,
        variants: [{ price: catalog[index]!.price, inventoryQuantity: product.inStock ? 10 : 0 }],
        images: [{ width: PHOTO_SIDE, height: PHOTO_SIDE }],
      })),
      image: async (productIndex) => photos[productIndex]!,
    });
    close = () => shop.close();
    writeLine(io.stdout, `Shopify-shaped shop ${shop.shop} with ${count} products at ${shop.origin}`);
    writeLine(io.stdout, 'Start the platform as this shop’s app, then connect:');
    writeLine(io.stdout, `  ${asShell(shopifyAppEnv(shop))} ${LOCAL_FETCH} npm start`);
    writeLine(io.stdout, `  node_modules/.bin/pnpm nlyzer connect shopify --shop ${shop.shop}`);
  } else if (platform === 'woocommerce') {
    const site = await startWooCommerceTestServer({
      port,
      products: catalog,
      ...SANDBOX_KEYS,
      image: (productIndex) => photos[productIndex]!,
    });
    close = () => site.close();
    writeLine(io.stdout, `WooCommerce-shaped site with ${count} products at ${site.origin}`);
    writeLine(io.stdout, `Start the platform with ${LOCAL_FETCH}, then connect:`);
    writeLine(
      io.stdout,
      `  node_modules/.bin/pnpm nlyzer connect woocommerce --store-url ${site.origin} --consumer-key ${SANDBOX_KEYS.consumerKey} --consumer-secret ${SANDBOX_KEYS.consumerSecret}`,
    );
  } else {
    const feed = await startFeedTestServer({ port, image: (productIndex) => photos[productIndex]! });
    feed.setFile('/feed.xml', {
      body: catalogToMerchantXml(catalog, 'USD', feed.origin),
      contentType: 'application/xml',
    });
    close = () => feed.close();
    writeLine(io.stdout, `Google Merchant feed with ${count} products at ${feed.url('/feed.xml')}`);
    writeLine(io.stdout, `Start the platform with ${LOCAL_FETCH}, then connect:`);
    writeLine(io.stdout, `  node_modules/.bin/pnpm nlyzer connect feed --feed-url ${feed.url('/feed.xml')}`);
  }
  writeLine(io.stdout, 'Ctrl-C stops the sandbox.');
  await untilSignal();
  await close();
  return 0;
}
