import { decodeImage, extractStyleDna } from '@nlyzer/vision';
import { describe, expect, it } from 'vitest';
import { CATEGORY_PROFILES } from './catalog-vocabulary.ts';
import { DemoCatalogError } from './demo-catalog-error.ts';
import { type DemoProduct, generateCatalog } from './generate-catalog.ts';
import { renderProductImage } from './render-product-image.ts';

const catalog = generateCatalog({ products: 3000, seed: 7 });

function meanAbsoluteDifference(a: Uint8Array, b: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i]! - b[i]!);
  return sum / a.length;
}

/** Pixels that are not the view-0 studio backdrop (#f2f2f0, lighter where the glow is). */
function objectMask(data: Uint8Array): boolean[] {
  const mask: boolean[] = [];
  for (let i = 0; i < data.length; i += 3) {
    const r = data[i]!;
    const g = data[i + 1]!;
    const b = data[i + 2]!;
    mask.push(!(r >= 236 && g >= 236 && b >= 234 && Math.abs(r - b) <= 6));
  }
  return mask;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.floor(sorted.length / 2)]!;
}

describe('renderProductImage', () => {
  it('renders the same JPEG bytes for the same product and view', async () => {
    const product = catalog[3]!;
    const [a, b] = await Promise.all([renderProductImage(product, 1), renderProductImage(product, 1)]);
    expect(a.equals(b)).toBe(true);
  });

  it('renders a JPEG of the requested size that @nlyzer/vision decodes', async () => {
    for (const size of [640, 256]) {
      const jpeg = await renderProductImage(catalog[0]!, 0, { size });
      expect([...jpeg.subarray(0, 3)]).toEqual([0xff, 0xd8, 0xff]);
      const image = await decodeImage(jpeg, { maxSide: 1024 });
      expect([image.width, image.height]).toEqual([size, size]);
    }
  });

  it('renders every kind of every category, the object covering a fair share of the frame', async () => {
    const byKind = new Map<string, DemoProduct>();
    for (const p of catalog) if (!byKind.has(p.kind)) byKind.set(p.kind, p);
    const kinds = Object.values(CATEGORY_PROFILES).flatMap((profile) => profile.kinds);
    expect([...byKind.keys()].sort()).toEqual([...kinds].sort());
    for (const product of byKind.values()) {
      const image = await decodeImage(await renderProductImage(product, 0, { size: 128 }));
      const object = objectMask(image.data);
      expect(object.filter(Boolean).length / object.length, product.kind).toBeGreaterThan(0.08);
    }
  });

  it('gives each extra view its own angle, zoom or backdrop', async () => {
    const product = catalog.find((p) => p.imageCount === 3)!;
    const views = await Promise.all(
      [0, 1, 2].map(async (v) => decodeImage(await renderProductImage(product, v))),
    );
    expect(meanAbsoluteDifference(views[0]!.data, views[1]!.data)).toBeGreaterThan(3);
    expect(meanAbsoluteDifference(views[1]!.data, views[2]!.data)).toBeGreaterThan(3);
  });

  it('tells apart products that share category, kind, colour and pattern', async () => {
    const seen = new Map<string, DemoProduct>();
    const pairs: Array<[DemoProduct, DemoProduct]> = [];
    for (const p of catalog) {
      const key = `${p.kind}|${p.colour}|${p.pattern}|${p.secondaryColour}`;
      const twin = seen.get(key);
      if (twin && pairs.length < 12) pairs.push([twin, p]);
      seen.set(key, p);
    }
    expect(pairs.length).toBe(12);
    for (const [a, b] of pairs) {
      const [imageA, imageB] = await Promise.all(
        [a, b].map(async (p) => decodeImage(await renderProductImage(p, 0, { size: 256 }))),
      );
      // share of the pixels covered by either object where the two differ visibly
      const maskA = objectMask(imageA!.data);
      const maskB = objectMask(imageB!.data);
      let union = 0;
      let differing = 0;
      for (let k = 0; k < maskA.length; k++) {
        if (!maskA[k] && !maskB[k]) continue;
        union++;
        const i = k * 3;
        const d = [0, 1, 2].reduce(
          (sum, c) => sum + Math.abs(imageA!.data[i + c]! - imageB!.data[i + c]!),
          0,
        );
        if (d > 45) differing++;
      }
      expect(differing / union, `${a.externalId} vs ${b.externalId}, ${a.title}`).toBeGreaterThan(0.15);
    }
  });

  it('draws solid products so StyleDNA names their ground-truth colour among its top two', async () => {
    const solids = catalog.filter((p) => p.pattern === 'solid').slice(0, 60);
    let named = 0;
    const renderMs: number[] = [];
    for (const product of solids) {
      const started = performance.now();
      const jpeg = await renderProductImage(product);
      renderMs.push(performance.now() - started);
      const dna = extractStyleDna(await decodeImage(jpeg));
      if (dna.colours.slice(0, 2).some((c) => c.name === product.colour)) named++;
    }
    console.info(
      `StyleDNA named the ground-truth colour in its top two for ${named}/${solids.length} solid products; ` +
        `640 px render median ${median(renderMs).toFixed(1)} ms`,
    );
    expect(named / solids.length).toBeGreaterThanOrEqual(0.85);
  }, 60_000);

  it('refuses a negative view or an unusable size', async () => {
    await expect(renderProductImage(catalog[0]!, -1)).rejects.toThrow(DemoCatalogError);
    await expect(renderProductImage(catalog[0]!, 0, { size: 10 })).rejects.toMatchObject({
      code: 'invalid_image_size',
    });
  });
});
