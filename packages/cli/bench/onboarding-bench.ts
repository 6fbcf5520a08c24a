// `pnpm bench:onboarding`: workflow 1's "5-minute deployment" against the clock. A local
// server speaking Shopify's Admin API serves a generated catalog with rendered product
// photos; the whole platform (gateway, search, sync worker on embedded PGlite, or on
// DATABASE_URL) runs in this process on real ports. Measured: connect (OAuth install) →
// every product searchable, then an incremental sync after 1% of the products changed
// (half of them with a new photo). Progress goes to stderr; the last stdout line is JSON.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startShopifyTestServer } from '@nlyzer/connectors/testing';
import type { OnboardingView, SyncRunView } from '@nlyzer/contracts';
import { migrate } from '@nlyzer/db';
import { demoCatalogFiles } from '@nlyzer/search';
import { createLogger } from '@nlyzer/service-kit';
import { loadCommandConfig } from '../src/runtime/cli-config.ts';
import { openEmbeddedDatabase, openUrlDatabase } from '../src/runtime/command-database.ts';
import { discoverServices } from '../src/runtime/discover-services.ts';
import { LOCAL_STORES_ENV, shopifyAppEnv, startLocalPlatform } from '../src/runtime/local-platform.ts';
import { migrationSets } from '../src/runtime/migration-sets.ts';
import { WORKSPACE_ROOT } from '../src/runtime/workspace.ts';

const { values: args } = parseArgs({
  // pnpm passes the `--` of `pnpm bench:onboarding -- --products 1000` through.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    products: { type: 'string', default: '10000' },
    'images-per-product': { type: 'string', default: '1' },
    'changed-percent': { type: 'string', default: '1' },
    seed: { type: 'string', default: '1' },
  },
});
const PRODUCTS = Number(args.products);
const IMAGES_PER_PRODUCT = Number(args['images-per-product']);
const CHANGED = Math.max(1, Math.round((PRODUCTS * Number(args['changed-percent'])) / 100));
const progress = (line: string) => process.stderr.write(`${line}\n`);
const seconds = (from: number) => Math.round((performance.now() - from) / 10) / 100;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

progress(`catalog: rendering or reusing ${PRODUCTS} products' photos (cached under .nlyzer/bench)`);
const files = await demoCatalogFiles(path.join(WORKSPACE_ROOT, '.nlyzer/bench/demo-catalog'), {
  products: PRODUCTS,
  seed: Number(args.seed),
});
const entries = files.manifest.products;
const imagesOf = (index: number) => entries[index]!.images.slice(0, IMAGES_PER_PRODUCT);

// Plus-like limits: a 10,000-product store onboarding on a Standard plan is throttled by
// Shopify itself, which no platform can beat; the incremental sync pages under this bucket.
const shopify = await startShopifyTestServer({
  products: entries.map((entry, index) => ({
    title: entry.title,
    descriptionHtml: `<p>${entry.description}</p>`,
    productType: entry.category,
    tags: entry.tags,
    variants: [
      { price: (entry.price.amountMinor / 100).toFixed(2), inventoryQuantity: entry.inStock ? 12 : 0 },
    ],
    images: imagesOf(index).map(() => ({ width: 640, height: 640 })),
  })),
  throttle: { maximumAvailable: 20_000, restoreRate: 1_000 },
  image: (productIndex, imageIndex) => {
    const images = imagesOf(productIndex);
    return readFile(path.join(files.dir, images[imageIndex % images.length]!));
  },
});

const dataDir = await mkdtemp(path.join(tmpdir(), 'nlyzer-onboarding-bench-'));
const config = loadCommandConfig({ ...process.env, NLYZER_DATA_DIR: dataDir });
const db = config.DATABASE_URL ? await openUrlDatabase(config) : await openEmbeddedDatabase(dataDir);
const { services } = await discoverServices();
await migrate(db, [...migrationSets(services).values()]);
const logger = createLogger({ service: 'bench', level: 'warn' });
const { platform, gateway } = await startLocalPlatform({
  services,
  db,
  logger,
  env: {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    NLYZER_DATA_DIR: dataDir,
    ...shopifyAppEnv(shopify),
    // The shop and its photos are on 127.0.0.1.
    ...LOCAL_STORES_ENV,
  },
});

async function call<T>(method: string, url: string, token: string | null, body?: unknown): Promise<T> {
  const response = await fetch(new URL(url, gateway), {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!response.ok) throw new Error(`${method} ${url} → ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

try {
  const signup = await call<{ session: { token: string } }>('POST', '/v1/signup', null, {
    email: 'bench@shop.example',
    password: 'a long bench passphrase',
    company: 'Bench Shop',
    tier: 'growth',
  });
  const token = signup.session.token;

  progress(`onboarding: connecting ${shopify.shop} (${PRODUCTS} products, ${IMAGES_PER_PRODUCT} photo each)`);
  const connectStarted = performance.now();
  const install = await call<{ authorize_url: string }>('POST', '/v1/connection/shopify/install', token, {
    shop: shopify.shop,
  });
  // The merchant approves in Shopify, which redirects the browser to the callback.
  const approval = await fetch(install.authorize_url, { redirect: 'manual' });
  const callback = approval.headers.get('location');
  if (!callback) throw new Error(`the authorize URL answered ${approval.status} without a redirect`);
  const landed = await fetch(callback, { redirect: 'manual' });
  if (landed.status >= 400)
    throw new Error(`the OAuth callback answered ${landed.status}: ${await landed.text()}`);
  const connectedS = seconds(connectStarted);

  let importedS: number | null = null;
  let lastLine = '';
  let onboarding: OnboardingView;
  for (;;) {
    onboarding = await call<OnboardingView>('GET', '/v1/onboarding', token);
    const run = onboarding.run;
    if (importedS === null && run !== null && run.phase !== 'queued' && run.phase !== 'fetching') {
      importedS = seconds(connectStarted);
    }
    const line = `  ${onboarding.percent}% ${onboarding.stage} seen ${run?.counts.seen ?? 0} indexed ${run?.indexing.indexed ?? 0}/${run?.indexing.total ?? 0}`;
    if (line !== lastLine) progress(`${line}  (${seconds(connectStarted)} s)`);
    lastLine = line;
    if (run?.state === 'failed') throw new Error(`the initial sync failed: ${JSON.stringify(run.error)}`);
    if (onboarding.stage === 'snippet' || onboarding.stage === 'completed') break;
    await sleep(250);
  }
  const searchableS = seconds(connectStarted);
  const indexing = await call<{ counts: Record<string, number> }>('GET', '/v1/catalog/indexing', token);

  progress(
    `incremental: ${CHANGED} products changed on the shop (${Math.floor(CHANGED / 2)} with a new photo)`,
  );
  const touched = shopify.touch(CHANGED);
  for (const product of touched.slice(0, Math.floor(CHANGED / 2))) {
    // A new image id is a new CDN URL; its bytes are another product's photo.
    const image = product.images[0];
    if (image) shopify.upsertProduct({ ...product, images: [{ ...image, id: image.id + 1_000_000_000 }] });
  }
  const incrementalStarted = performance.now();
  let run = await call<SyncRunView>('POST', '/v1/sync/runs', token, { mode: 'incremental' });
  while (run.phase !== 'done' && run.state !== 'failed') {
    await sleep(100);
    run = await call<SyncRunView>('GET', `/v1/sync/runs/${run.id}`, token);
  }
  const incrementalS = seconds(incrementalStarted);

  console.log(
    JSON.stringify({
      bench: 'onboarding',
      products: PRODUCTS,
      images_per_product: IMAGES_PER_PRODUCT,
      database: config.DATABASE_URL ? 'postgres' : 'pglite',
      connected_s: connectedS,
      imported_s: importedS,
      searchable_s: searchableS,
      products_per_s: Math.round(PRODUCTS / searchableS),
      indexing_counts: indexing.counts,
      quality_score: onboarding.quality?.score ?? null,
      changed: CHANGED,
      incremental_s: incrementalS,
      incremental_counts: run.counts,
      incremental_indexing: run.indexing,
    }),
  );
} finally {
  await platform.shutdown({ timeoutMs: 10_000 });
  await shopify.close();
  await rm(dataDir, { recursive: true, force: true });
}
