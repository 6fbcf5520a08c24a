// The generated catalog the benches load and the shopper photos they search with. Both
// are deterministic, so they are rendered once into the bench cache; a photo set checks
// its first photo against a fresh render, so a change to the renderer renders it again.
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { type CatalogEntry, type Difficulty, renderShopperPhoto } from '@nlyzer/demo-catalog';
import { type DemoCatalogFiles, demoCatalogFiles } from '../src/features/demo/demo-catalog.ts';
import { BENCH_CACHE, progress } from './bench-report.ts';

export interface BenchCatalog extends DemoCatalogFiles {
  seed: number;
}

/** The catalog's files as the demo seeding renders them, `products` of them, under the bench cache. */
export async function benchCatalog(products: number, seed: number): Promise<BenchCatalog> {
  const started = performance.now();
  let reported = 0;
  const files = await demoCatalogFiles(path.join(BENCH_CACHE, 'demo-catalog'), {
    products,
    seed,
    onProgress: (done, total) => {
      if (done - reported >= 50 || done === total) {
        reported = done;
        progress(`catalog: rendered ${done}/${total} products`);
      }
    },
  });
  progress(
    `catalog: ${products} products (seed ${seed}) ready in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { ...files, seed };
}

/** The first `count` products of a catalog, as a catalog of its own (same files). */
export function firstProducts(catalog: BenchCatalog, count: number): BenchCatalog {
  return {
    ...catalog,
    manifest: { ...catalog.manifest, products: catalog.manifest.products.slice(0, count) },
  };
}

export interface PhotoPlan {
  difficulty: Difficulty;
  /** Photo seed: each seed gives another photo of every product. */
  seed: number;
  /** Both or neither; otherwise the renderer draws a phone size (640–1024 px) from the seed. */
  width?: number;
  height?: number;
}

export interface ShopperPhoto {
  product: CatalogEntry;
  plan: PhotoPlan;
  bytes: Buffer;
}

const RENDER_CONCURRENCY = 2;

/** One photo per product and plan, product order within each plan. */
export async function shopperPhotos(
  catalog: BenchCatalog,
  products: readonly CatalogEntry[],
  plans: readonly PhotoPlan[],
): Promise<ShopperPhoto[]> {
  const photos: ShopperPhoto[] = [];
  for (const plan of plans) {
    const size = plan.width === undefined ? 'phone' : `${plan.width}x${plan.height}`;
    const dir = path.join(
      path.dirname(catalog.dir),
      'shopper-photos',
      `seed-${catalog.seed}`,
      `${plan.difficulty}-${plan.seed}-${size}`,
    );
    const render = (product: CatalogEntry) =>
      renderShopperPhoto(product, {
        seed: plan.seed,
        difficulty: plan.difficulty,
        ...(plan.width === undefined ? {} : { width: plan.width, height: plan.height }),
      });
    await dropIfRendererChanged(dir, products[0], render);
    await mkdir(dir, { recursive: true });
    let rendered = 0;
    for (let start = 0; start < products.length; start += RENDER_CONCURRENCY) {
      const batch = products.slice(start, start + RENDER_CONCURRENCY);
      photos.push(
        ...(await Promise.all(
          batch.map(async (product) => {
            const file = path.join(dir, `${product.externalId}.jpg`);
            if (existsSync(file)) return { product, plan, bytes: await readFile(file) };
            const bytes = await render(product);
            await writeFile(file, bytes);
            rendered++;
            return { product, plan, bytes };
          }),
        )),
      );
    }
    progress(
      `photos: ${products.length} ${plan.difficulty} (seed ${plan.seed}, ${size}), ${rendered} rendered now`,
    );
  }
  return photos;
}

async function dropIfRendererChanged(
  dir: string,
  first: CatalogEntry | undefined,
  render: (product: CatalogEntry) => Promise<Buffer>,
): Promise<void> {
  if (first === undefined) return;
  const file = path.join(dir, `${first.externalId}.jpg`);
  if (!existsSync(file)) return;
  if (!(await readFile(file)).equals(await render(first))) await rm(dir, { recursive: true, force: true });
}
