import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DemoProduct } from './generate-catalog.ts';
import {
  DEFAULT_IMAGE_SIZE,
  type RenderProductImageOptions,
  renderProductImage,
} from './render-product-image.ts';
import { type Difficulty, renderShopperPhoto } from './render-shopper-photo.ts';
import { mixSeed } from './seeded-random.ts';

export interface RenderedProduct {
  product: DemoProduct;
  /** one JPEG per view, `product.imageCount` of them */
  images: Buffer[];
}

/** The catalog's photos product by product, for callers that upload them instead of writing files. */
export async function* renderCatalogImages(
  products: Iterable<DemoProduct>,
  options: RenderProductImageOptions = {},
): AsyncGenerator<RenderedProduct> {
  for (const product of products) {
    const views = Array.from({ length: product.imageCount }, (_, view) =>
      renderProductImage(product, view, options),
    );
    yield { product, images: await Promise.all(views) };
  }
}

export interface ShopperPhotoPlan {
  perProduct: number;
  difficulty?: Difficulty;
  /** photo k of a product uses seed mixSeed(seed, k) */
  seed?: number;
}

export interface WriteCatalogProgress {
  done: number;
  total: number;
  product: DemoProduct;
}

export interface WriteCatalogOptions {
  size?: number;
  /** also write shopper photos of each product: the queries of a search-quality evaluation */
  shopperPhotos?: ShopperPhotoPlan;
  onProgress?: (progress: WriteCatalogProgress) => void;
}

export interface ShopperPhotoEntry {
  path: string;
  seed: number;
  difficulty: Difficulty;
}

export interface CatalogEntry extends DemoProduct {
  /** paths relative to the catalog's folder, view 0 first */
  images: string[];
  shopperPhotos: ShopperPhotoEntry[];
}

/** The ground truth written as catalog.json. */
export interface CatalogManifest {
  formatVersion: 1;
  imageSize: number;
  products: CatalogEntry[];
}

export interface WrittenCatalog {
  catalogPath: string;
  imageCount: number;
  shopperPhotoCount: number;
}

/**
 * Writes every product's photos under `dir/images/`, optional shopper photos under
 * `dir/shopper-photos/`, and `dir/catalog.json` last, so a folder without catalog.json
 * is an interrupted run.
 */
export async function writeCatalog(
  dir: string,
  products: readonly DemoProduct[],
  options: WriteCatalogOptions = {},
): Promise<WrittenCatalog> {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  const plan = options.shopperPhotos;
  await mkdir(join(dir, 'images'), { recursive: true });
  if (plan && plan.perProduct > 0) await mkdir(join(dir, 'shopper-photos'), { recursive: true });
  const entries: CatalogEntry[] = [];
  let imageCount = 0;
  let shopperPhotoCount = 0;
  for await (const { product, images } of renderCatalogImages(products, { size })) {
    const imagePaths = images.map((_, view) => `images/${product.externalId}-${view}.jpg`);
    const shopperPhotos: ShopperPhotoEntry[] = Array.from({ length: plan?.perProduct ?? 0 }, (_, k) => ({
      path: `shopper-photos/${product.externalId}-${k}.jpg`,
      seed: mixSeed(plan?.seed ?? 1, k),
      difficulty: plan?.difficulty ?? 'normal',
    }));
    const photos = await Promise.all(
      shopperPhotos.map(({ seed, difficulty }) => renderShopperPhoto(product, { seed, difficulty })),
    );
    await Promise.all([
      ...images.map((image, view) => writeFile(join(dir, imagePaths[view]!), image)),
      ...photos.map((photo, k) => writeFile(join(dir, shopperPhotos[k]!.path), photo)),
    ]);
    imageCount += images.length;
    shopperPhotoCount += photos.length;
    entries.push({ ...product, images: imagePaths, shopperPhotos });
    options.onProgress?.({ done: entries.length, total: products.length, product });
  }
  const manifest: CatalogManifest = { formatVersion: 1, imageSize: size, products: entries };
  const catalogPath = join(dir, 'catalog.json');
  await writeFile(`${catalogPath}.partial`, `${JSON.stringify(manifest, null, 2)}\n`);
  await rename(`${catalogPath}.partial`, catalogPath);
  return { catalogPath, imageCount, shopperPhotoCount };
}
