import { decodeImage, extractStyleDna } from '@nlyzer/vision';
import { describe, expect, it } from 'vitest';
import { generateCatalog } from './generate-catalog.ts';
import { COLOUR_HEX } from './palette.ts';
import { renderProductImage } from './render-product-image.ts';
import { DIFFICULTIES, renderShopperPhoto } from './render-shopper-photo.ts';

const catalog = generateCatalog({ products: 200, seed: 11 });

describe('renderShopperPhoto', () => {
  it('gives the same bytes for the same seed and another photo for another seed', async () => {
    const product = catalog[0]!;
    const [a, b, c] = await Promise.all([
      renderShopperPhoto(product, { seed: 5 }),
      renderShopperPhoto(product, { seed: 5 }),
      renderShopperPhoto(product, { seed: 6 }),
    ]);
    expect(a.equals(b)).toBe(true);
    expect(a.equals(c)).toBe(false);
  });

  it('makes a phone-sized JPEG that @nlyzer/vision decodes, or the size asked for', async () => {
    for (const [seed, difficulty] of DIFFICULTIES.map((d, i) => [i, d] as const)) {
      const image = await decodeImage(await renderShopperPhoto(catalog[1]!, { seed, difficulty }), {
        maxSide: 2048,
      });
      expect(Math.max(image.width, image.height)).toBeGreaterThanOrEqual(640);
      expect(Math.max(image.width, image.height)).toBeLessThanOrEqual(1024);
    }
    const sized = await decodeImage(
      await renderShopperPhoto(catalog[1]!, { seed: 1, width: 300, height: 200 }),
    );
    expect([sized.width, sized.height]).toEqual([300, 200]);
  });

  it('keeps the object while changing the picture: StyleDNA still finds the colour of solid products', async () => {
    const solids = catalog.filter((p) => p.pattern === 'solid').slice(0, 20);
    const found = { easy: 0, hard: 0 };
    for (const product of solids) {
      const studio = await renderProductImage(product);
      for (const difficulty of ['easy', 'hard'] as const) {
        const photo = await renderShopperPhoto(product, { seed: 3, difficulty });
        expect(photo.equals(studio)).toBe(false);
        const dna = extractStyleDna(await decodeImage(photo));
        if (dna.colours.slice(0, 3).some((c) => c.name === product.colour)) found[difficulty]++;
      }
    }
    console.info(
      `ground-truth colour in StyleDNA's top three of shopper photos (of ${solids.length}):`,
      found,
    );
    expect(found.easy / solids.length).toBeGreaterThanOrEqual(0.8);
    expect(found.hard / solids.length).toBeGreaterThanOrEqual(0.4);
  }, 60_000);

  it('puts the object on a cluttered scene rather than the studio backdrop', async () => {
    const product = catalog.find((p) => p.pattern === 'solid')!;
    const image = await decodeImage(await renderShopperPhoto(product, { seed: 9, difficulty: 'easy' }));
    const [r, g, b] = [1, 3, 5].map((i) => Number.parseInt(COLOUR_HEX[product.colour].slice(i, i + 2), 16));
    let objectLike = 0;
    let studioLike = 0;
    const distinct = new Set<number>();
    for (let i = 0; i < image.data.length; i += 3) {
      const [pr, pg, pb] = [image.data[i]!, image.data[i + 1]!, image.data[i + 2]!];
      if (Math.abs(pr - r!) + Math.abs(pg - g!) + Math.abs(pb - b!) < 90) objectLike++;
      if (pr > 232 && pg > 232 && pb > 230) studioLike++;
      distinct.add(((pr >> 4) << 8) | ((pg >> 4) << 4) | (pb >> 4));
    }
    const pixels = image.data.length / 3;
    expect(objectLike / pixels).toBeGreaterThan(0.05);
    expect(studioLike / pixels).toBeLessThan(0.2);
    expect(distinct.size).toBeGreaterThan(150);
  });
});
