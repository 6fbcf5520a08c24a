import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { createGeometricVerifier } from './geometric-verifier.ts';
import { decodeSharp, productSvg, render } from './test-images.ts';

describe('geometric verifier', () => {
  it('finds many consistent matches on a shifted, shrunken copy and few on another product', async () => {
    const verifier = await createGeometricVerifier();
    const png = await render(
      productSvg({ seed: 3, body: '#6a1b9a', accent: '#000000', background: '#ffffff', size: 480 }),
    );
    const catalog = verifier.catalogFeatures(await decodeSharp(sharp(png)));
    const shopper = verifier.features(
      await decodeSharp(
        sharp(await sharp(png).resize(300).toBuffer()).extend({ left: 60, top: 20, background: '#808080' }),
      ),
    );
    const other = verifier.features(
      await decodeSharp(
        sharp(
          await render(
            productSvg({ seed: 11, body: '#6a1b9a', accent: '#000000', background: '#ffffff', size: 480 }),
          ),
        ),
      ),
    );
    const same = verifier.inliers(shopper, catalog);
    expect(same).toBeGreaterThanOrEqual(20);
    expect(verifier.inliers(other, catalog)).toBeLessThan(same / 3);
  }, 20_000);

  it('detects on frames of a bounded size: small catalog shots upscaled, large queries downscaled', async () => {
    const verifier = await createGeometricVerifier({ querySide: 200, catalogSide: 400 });
    const small = await decodeSharp(
      sharp(
        await render(
          productSvg({ seed: 5, body: '#00695c', accent: '#ffeb3b', background: '#ffffff', size: 160 }),
        ),
      ),
    );
    const large = await decodeSharp(
      sharp(
        await render(
          productSvg({ seed: 5, body: '#00695c', accent: '#ffeb3b', background: '#ffffff', size: 480 }),
        ),
      ),
    );
    const maxCoordinate = (points: Float32Array): number => points.reduce((m, v) => Math.max(m, v), 0);
    const catalog = verifier.catalogFeatures(small);
    expect(catalog.points.length).toBeGreaterThan(0);
    expect(maxCoordinate(catalog.points)).toBeGreaterThan(160);
    expect(maxCoordinate(catalog.points)).toBeLessThan(400);
    expect(maxCoordinate(verifier.features(large).points)).toBeLessThan(200);
    expect(catalog.descriptors.length).toBe((catalog.points.length / 2) * 32);
  }, 20_000);
});
