import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import {
  blocksOf,
  createDescriptorEmbedder,
  DEFAULT_DESCRIPTOR_CONFIG,
  describeImage,
  selectBlocks,
} from './descriptor-embedder.ts';
import { cosine, decodeSharp, decodeSvg, productSvg, render } from './test-images.ts';

const embedder = createDescriptorEmbedder();
const product = productSvg({ seed: 7, body: '#c62828', accent: '#fdd835', background: '#ffffff' });
const other = productSvg({ seed: 99, body: '#1565c0', accent: '#2e7d32', background: '#ffffff' });

describe('descriptor embedder', () => {
  it('returns an L2-normalised vector of the declared length, the same every time', async () => {
    const image = await decodeSvg(product);
    const a = await embedder.embed(image);
    const b = await embedder.embed(image);
    expect(a.length).toBe(embedder.dims);
    expect(embedder.dims).toBeLessThanOrEqual(1024);
    expect(Math.sqrt(cosine(a, a))).toBeCloseTo(1, 5);
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('keeps a cropped, colour-cast or rotated shopper view closer than a different product', async () => {
    const png = await render(product);
    const original = await embedder.embed(await decodeSharp(sharp(png)));
    const different = await embedder.embed(await decodeSvg(other));
    const views = {
      cropped: sharp(png).extract({ left: 40, top: 30, width: 240, height: 260 }),
      warmLight: sharp(png).linear([0.95, 0.8, 0.6], [0, 0, 0]),
      rotated: sharp(png).rotate(12, { background: '#ffffff' }),
    };
    const baseline = cosine(original, different);
    for (const [name, view] of Object.entries(views)) {
      const similarity = cosine(original, await embedder.embed(await decodeSharp(view)));
      expect(similarity, name).toBeGreaterThan(0.8);
      expect(similarity - baseline, name).toBeGreaterThan(0.2);
    }
  });

  it('serves any subset of its blocks as the descriptor of that subset', async () => {
    const image = await decodeSvg(product);
    const kinds = ['colour', 'lbp'] as const;
    const cut = selectBlocks(DEFAULT_DESCRIPTOR_CONFIG, kinds)(await embedder.embed(image));
    const direct = describeImage(image, blocksOf(DEFAULT_DESCRIPTOR_CONFIG, kinds));
    expect(cut.length).toBe(direct.length);
    expect(cut.length).toBeLessThan(embedder.dims);
    for (let i = 0; i < cut.length; i++) expect(cut[i]).toBeCloseTo(direct[i]!, 5);
    expect(Math.sqrt(cosine(cut, cut))).toBeCloseTo(1, 5);
  });
});
