import sharp from 'sharp';
import { DemoCatalogError } from './demo-catalog-error.ts';
import type { DemoProduct } from './generate-catalog.ts';
import { drawProduct, fitTransform } from './product-drawing.ts';
import { createRandom, hashString, mixSeed } from './seeded-random.ts';

export interface RenderProductImageOptions {
  /** width and height in pixels */
  size?: number;
}

export const DEFAULT_IMAGE_SIZE = 640;
/**
 * A soft light spot behind the product, as stacked translucent discs: a full-frame SVG
 * gradient costs librsvg more than the whole product drawing.
 */
const STUDIO_GLOW = Array.from(
  { length: 6 },
  (_, k) => `<circle cx="500" cy="420" r="${720 - k * 100}" fill="#fff" fill-opacity="0.1"/>`,
).join('');
const STUDIO_TINTS = ['#f2f2f0', '#f4efe8', '#ecf0f3', '#f3f0f4', '#eef2ec', '#f5f3ea'];

export function assertImageSide(side: number): void {
  if (!Number.isInteger(side) || side < 64 || side > 4096) {
    throw new DemoCatalogError(
      'invalid_image_size',
      `image sides must be integers from 64 to 4096, got ${side}`,
    );
  }
}

/**
 * The SVG of a product's catalog photo: view 0 is the straight studio shot; later views
 * turn, zoom and shift the product on a differently tinted backdrop, as a store's extra
 * photos do.
 */
function productImageSvg(product: DemoProduct, view: number, size: number): string {
  const drawing = drawProduct(product, 'p');
  const random = createRandom(mixSeed(hashString(product.externalId), view));
  const background = view === 0 ? STUDIO_TINTS[0]! : random.pick(STUDIO_TINTS);
  let viewTransform = '';
  if (view > 0) {
    const angle = random.range(4, 9) * (random.chance(0.5) ? -1 : 1);
    const zoom = random.range(0.86, 1.06);
    const dx = random.range(-35, 35);
    const dy = random.range(-35, 35);
    viewTransform = `translate(${(500 + dx).toFixed(1)} ${(500 + dy).toFixed(1)}) rotate(${angle.toFixed(2)}) scale(${zoom.toFixed(3)}) translate(-500 -500) `;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 1000 1000"><defs>${drawing.defs}</defs><rect width="1000" height="1000" fill="${background}"/>${STUDIO_GLOW}<g transform="${viewTransform}${fitTransform(drawing.bounds, 1000, 0.8)}">${drawing.content}</g></svg>`;
}

/** A catalog photo of `product` as JPEG: deterministic, byte-identical for the same product, view and size. */
export async function renderProductImage(
  product: DemoProduct,
  view = 0,
  options: RenderProductImageOptions = {},
): Promise<Buffer> {
  const size = options.size ?? DEFAULT_IMAGE_SIZE;
  assertImageSide(size);
  if (!Number.isInteger(view) || view < 0) {
    throw new DemoCatalogError('invalid_view', `view must be a non-negative integer, got ${view}`);
  }
  // Huffman optimisation would quadruple the encoding time for a few percent smaller files
  return sharp(Buffer.from(productImageSvg(product, view, size)))
    .flatten({ background: '#ffffff' })
    .jpeg({ quality: 88, optimiseCoding: false })
    .toBuffer();
}
