import { extractStyleDna } from '@nlyzer/vision';
import { describe, expect, it } from 'vitest';
import { COLOUR_HEX, COLOURS } from './palette.ts';

describe('the StyleDNA palette copy', () => {
  it('matches @nlyzer/vision: StyleDNA names a swatch of each colour by our name for it', () => {
    for (const name of COLOURS) {
      const hex = COLOUR_HEX[name];
      const rgb = [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));
      const data = new Uint8Array(64 * 64 * 3).map((_, i) => rgb[i % 3]!);
      const dna = extractStyleDna({ width: 64, height: 64, data });
      expect(dna.colours[0], name).toMatchObject({ name, hex });
    }
  });
});
