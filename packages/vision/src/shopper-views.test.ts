import { describe, expect, it } from 'vitest';
import type { DecodedImage } from './embedder.ts';
import { catalogViews, DEFAULT_SHOPPER_VIEWS, shopperViews } from './shopper-views.ts';
import { decodeSvg, productSvg } from './test-images.ts';

function whiteShare(image: DecodedImage): number {
  let white = 0;
  for (let i = 0; i < image.data.length; i += 3) {
    if (image.data[i]! > 235 && image.data[i + 1]! > 235 && image.data[i + 2]! > 235) white++;
  }
  return white / (image.width * image.height);
}

describe('catalog views', () => {
  it('indexes the original first, then relit copies, a pile and its relit copies', async () => {
    const image = await decodeSvg(
      productSvg({ seed: 7, body: '#c62828', accent: '#fdd835', background: '#ffffff' }),
    );
    const views = catalogViews(image);
    const lights = DEFAULT_SHOPPER_VIEWS.lighting.length;
    expect(views[0]).toBe(image);
    expect(views).toHaveLength((1 + lights) * (1 + DEFAULT_SHOPPER_VIEWS.piles.length));
    for (const view of views) expect(view.data.length).toBe(view.width * view.height * 3);
  });

  it('piles the cut-out product over the whole frame, leaving the studio white behind', async () => {
    const image = await decodeSvg(
      productSvg({ seed: 7, body: '#c62828', accent: '#fdd835', background: '#ffffff' }),
    );
    const pile = shopperViews(image, {
      closeCrop: false,
      lighting: [],
      piles: DEFAULT_SHOPPER_VIEWS.piles,
    })[0]!;
    expect(whiteShare(image)).toBeGreaterThan(0.4);
    expect(whiteShare(pile)).toBeLessThan(0.15);
    let red = 0;
    for (let i = 0; i < pile.data.length; i += 3) if (pile.data[i]! > 120 && pile.data[i + 1]! < 80) red++;
    expect(red / (pile.width * pile.height)).toBeGreaterThan(0.3);
    const again = shopperViews(image, {
      closeCrop: false,
      lighting: [],
      piles: DEFAULT_SHOPPER_VIEWS.piles,
    })[0]!;
    expect(Array.from(again.data)).toEqual(Array.from(pile.data));
  });

  it('piles the whole frame when the shot has no backdrop to cut the product from', () => {
    const width = 64;
    const height = 48;
    const data = new Uint8Array(width * height * 3);
    for (let i = 0; i < data.length; i += 3) {
      data[i] = 40 + ((i / 3) % 7) * 20;
      data[i + 1] = 90;
      data[i + 2] = 30;
    }
    const views = catalogViews({ width, height, data });
    expect(views.length).toBeGreaterThan(1);
    const pile = views[1 + DEFAULT_SHOPPER_VIEWS.lighting.length]!;
    let gap = 0;
    for (let i = 0; i < pile.data.length; i += 3)
      if (pile.data[i + 1] === pile.data[i] && pile.data[i] === 40) gap++;
    expect(gap / (pile.width * pile.height)).toBeLessThan(0.5);
  });
});
