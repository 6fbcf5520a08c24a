import { describe, expect, it } from 'vitest';
import { embedCatalogImage } from './catalog-image-embedding.ts';
import { createDescriptorEmbedder } from './descriptor-embedder.ts';
import type { ImageEmbedder } from './embedder.ts';
import { catalogViews, DEFAULT_SHOPPER_VIEWS } from './shopper-views.ts';
import { extractStyleDna } from './style-dna.ts';
import { cosine, decodeSvg, productSvg } from './test-images.ts';

const descriptor = createDescriptorEmbedder();
const photos = [
  productSvg({ seed: 7, body: '#c62828', accent: '#fdd835', background: '#ffffff', size: 400 }),
  productSvg({ seed: 11, body: '#1565c0', accent: '#2e7d32', background: '#e0e0e0', size: 333 }),
];

async function viewByView(embedder: ImageEmbedder, svg: string): Promise<Float32Array[]> {
  const image = await decodeSvg(svg);
  return Promise.all(catalogViews(image).map((view) => embedder.embed(view)));
}

describe('catalog image embedding', () => {
  it("gives the built-in descriptor's vectors of every catalog view without drawing them at full size", async () => {
    for (const svg of photos) {
      const image = await decodeSvg(svg);
      const expected = await viewByView(descriptor, svg);
      const { vectors, styleDna } = await embedCatalogImage(image, descriptor, { styleDna: true });
      expect(vectors).toHaveLength(expected.length);
      // Relit copies are rounded to 8 bits per pixel either way; only float order differs.
      for (const [view, vector] of vectors.entries())
        expect(cosine(vector, expected[view]!)).toBeGreaterThan(0.9999);
      expect(styleDna).toEqual(extractStyleDna(image));
    }
  });

  it('embeds the drawn views for any other embedder, and skips StyleDNA unless asked', async () => {
    const calls: number[] = [];
    const counting: ImageEmbedder = {
      id: 'counting',
      version: '1',
      dims: descriptor.dims,
      embed: async (image) => {
        calls.push(image.width);
        return descriptor.embed(image);
      },
    };
    const image = await decodeSvg(photos[0]!);
    const { vectors, styleDna } = await embedCatalogImage(image, counting, { styleDna: false });
    const views = 1 + DEFAULT_SHOPPER_VIEWS.lighting.length;
    expect(calls).toHaveLength(views * (1 + DEFAULT_SHOPPER_VIEWS.piles.length));
    expect(styleDna).toBeNull();
    const fast = await embedCatalogImage(image, descriptor, { styleDna: false });
    for (const [view, vector] of vectors.entries())
      expect(cosine(vector, fast.vectors[view]!)).toBeGreaterThan(0.9999);
  });
});
