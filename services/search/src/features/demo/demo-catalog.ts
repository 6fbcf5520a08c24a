import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type CatalogManifest,
  DEFAULT_CATALOG_SEED,
  generateCatalog,
  renderShopperPhoto,
  writeCatalog,
} from '@nlyzer/demo-catalog';
import type { CatalogProduct } from '../catalog/catalog-writes.ts';

export interface DemoCatalogFiles {
  dir: string;
  manifest: CatalogManifest;
}

export interface DemoCatalogOptions {
  products: number;
  seed?: number;
  /** Shopper photos written per product (evaluation queries); the demo needs a few only. */
  shopperPhotosPerProduct?: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The generated catalog's files under `root`, rendered once: a folder is named by its
 * seed and size, and `catalog.json` is written last, so a complete folder is reused as
 * is and an interrupted one is rendered again.
 */
export async function demoCatalogFiles(root: string, options: DemoCatalogOptions): Promise<DemoCatalogFiles> {
  const seed = options.seed ?? DEFAULT_CATALOG_SEED;
  const dir = path.join(root, `seed-${seed}-products-${options.products}`);
  const manifestPath = path.join(dir, 'catalog.json');
  if (!existsSync(manifestPath)) {
    const products = generateCatalog({ products: options.products, seed });
    await writeCatalog(dir, products, {
      ...(options.shopperPhotosPerProduct
        ? { shopperPhotos: { perProduct: options.shopperPhotosPerProduct, seed } }
        : {}),
      ...(options.onProgress ? { onProgress: ({ done, total }) => options.onProgress!(done, total) } : {}),
    });
  }
  return { dir, manifest: JSON.parse(await readFile(manifestPath, 'utf8')) as CatalogManifest };
}

/** The catalog's products as the catalog API takes them, images inline. */
export async function* demoCatalogProducts(
  files: DemoCatalogFiles,
  batchSize = 50,
): AsyncGenerator<CatalogProduct[]> {
  const { products } = files.manifest;
  for (let start = 0; start < products.length; start += batchSize) {
    yield Promise.all(
      products.slice(start, start + batchSize).map(async (entry) => ({
        externalId: entry.externalId,
        title: entry.title,
        description: entry.description,
        price: entry.price,
        categories: [entry.category],
        inStock: entry.inStock,
        images: await Promise.all(
          entry.images.map(async (image) => ({
            data: await readFile(path.join(files.dir, image)),
            contentType: 'image/jpeg',
          })),
        ),
      })),
    );
  }
}

/** A shopper's photo of one demo product, for the banner's "try it" line. */
export async function demoShopperPhoto(files: DemoCatalogFiles, index: number): Promise<string> {
  const entry = files.manifest.products[index % files.manifest.products.length]!;
  const file = path.join(files.dir, `try-${entry.externalId}.jpg`);
  if (!existsSync(file)) {
    await writeFile(file, await renderShopperPhoto(entry, { seed: 7, difficulty: 'easy' }));
  }
  return file;
}
