import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeImage } from '@nlyzer/vision';
import { afterEach, describe, expect, it } from 'vitest';
import { generateCatalog } from './generate-catalog.ts';
import { renderProductImage } from './render-product-image.ts';
import { type CatalogManifest, renderCatalogImages, writeCatalog } from './write-catalog.ts';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe('writeCatalog', () => {
  it('writes every view and shopper photo, then catalog.json as the ground truth', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'demo-catalog-'));
    dirs.push(dir);
    const products = generateCatalog({ products: 5, seed: 3 });
    const progress: number[] = [];
    const written = await writeCatalog(dir, products, {
      size: 160,
      shopperPhotos: { perProduct: 1, difficulty: 'easy' },
      onProgress: ({ done, total }) => progress.push(done / total),
    });
    const views = products.reduce((sum, p) => sum + p.imageCount, 0);
    expect(written).toEqual({
      catalogPath: join(dir, 'catalog.json'),
      imageCount: views,
      shopperPhotoCount: 5,
    });
    expect(progress).toEqual([0.2, 0.4, 0.6, 0.8, 1]);
    expect((await readdir(join(dir, 'images'))).length).toBe(views);

    const manifest = JSON.parse(await readFile(written.catalogPath, 'utf8')) as CatalogManifest;
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.products.map(({ images, shopperPhotos, ...product }) => product)).toEqual(products);
    const first = manifest.products[0]!;
    expect(first.images[0]).toBe(`images/${first.externalId}-0.jpg`);
    const onDisk = await readFile(join(dir, first.images[0]!));
    expect(onDisk.equals(await renderProductImage(products[0]!, 0, { size: 160 }))).toBe(true);
    const photo = await decodeImage(await readFile(join(dir, first.shopperPhotos[0]!.path)));
    expect(photo.width).toBeGreaterThan(0);
  });
});

describe('renderCatalogImages', () => {
  it('yields each product with one image per view', async () => {
    const products = generateCatalog({ products: 3, seed: 4 });
    const counts: number[] = [];
    for await (const { product, images } of renderCatalogImages(products, { size: 96 })) {
      expect(images.length).toBe(product.imageCount);
      counts.push(images.length);
    }
    expect(counts).toEqual(products.map((p) => p.imageCount));
  });
});
