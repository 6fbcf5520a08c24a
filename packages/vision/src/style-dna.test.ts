import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { extractStyleDna } from './style-dna.ts';
import { decodeSharp, decodeSvg } from './test-images.ts';

function stripes(vertical: boolean): string {
  const bands = Array.from({ length: 16 }, (_, i) =>
    vertical
      ? `<rect x="${i * 20}" y="0" width="10" height="320" fill="#1a237e"/>`
      : `<rect x="0" y="${i * 20}" width="320" height="10" fill="#1a237e"/>`,
  );
  return `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320"><rect width="320" height="320" fill="#f5f5f5"/>${bands.join('')}</svg>`;
}

describe('extractStyleDna', () => {
  it('names the colour of a solid red image red, and calls it solid', async () => {
    const dna = extractStyleDna(
      await decodeSharp(sharp({ create: { width: 200, height: 200, channels: 3, background: '#ff0000' } })),
    );
    expect(dna.colours[0]).toMatchObject({ name: 'red', hex: '#d32f2f' });
    expect(dna.colours[0]!.fraction).toBeGreaterThan(0.95);
    expect(dna.pattern).toBe('solid');
  });

  it('calls vertical and horizontal stripes striped, with both colours named', async () => {
    for (const vertical of [true, false]) {
      const dna = extractStyleDna(await decodeSvg(stripes(vertical)));
      expect(dna.pattern).toBe('striped');
      expect(dna.colours.map((c) => c.name).sort()).toEqual(['navy', 'white']);
    }
  });

  it('calls a two-colour grid checked and scattered dots dotted', async () => {
    const cells = Array.from({ length: 64 }, (_, i) => i)
      .filter((i) => (Math.floor(i / 8) + i) % 2 === 0)
      .map(
        (i) =>
          `<rect x="${(i % 8) * 40}" y="${Math.floor(i / 8) * 40}" width="40" height="40" fill="#c62828"/>`,
      );
    const checked = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320"><rect width="320" height="320" fill="#f5f5f5"/>${cells.join('')}</svg>`;
    expect(extractStyleDna(await decodeSvg(checked)).pattern).toBe('checked');
    const dots = Array.from(
      { length: 49 },
      (_, i) =>
        `<circle cx="${(i % 7) * 45 + 25}" cy="${Math.floor(i / 7) * 45 + 25}" r="9" fill="#f5f5f5"/>`,
    );
    const dotted = `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="320"><rect width="320" height="320" fill="#1a237e"/>${dots.join('')}</svg>`;
    expect(extractStyleDna(await decodeSvg(dotted)).pattern).toBe('dotted');
  });
});
