import { describe, expect, it } from 'vitest';
import { CATEGORIES, CATEGORY_PROFILES, MATERIAL_PREMIUM, PATTERNS } from './catalog-vocabulary.ts';
import { DemoCatalogError } from './demo-catalog-error.ts';
import { generateCatalog } from './generate-catalog.ts';
import { COLOURS } from './palette.ts';

describe('generateCatalog', () => {
  const catalog = generateCatalog({ products: 2000, seed: 42 });

  it('gives the same products for the same seed and different ones for another seed', () => {
    expect(generateCatalog({ products: 50, seed: 42 })).toEqual(catalog.slice(0, 50));
    const other = generateCatalog({ products: 50, seed: 43 });
    expect(other.map((p) => p.externalId)).toEqual(catalog.slice(0, 50).map((p) => p.externalId));
    expect(other.filter((p, i) => p.title === catalog[i]!.title).length).toBeLessThan(10);
  });

  it('extends a smaller catalog: N+1 products start with the N products', () => {
    for (const size of [0, 1, 7, 99]) {
      expect(generateCatalog({ products: size + 1, seed: 42 }).slice(0, size)).toEqual(
        catalog.slice(0, size),
      );
    }
  });

  it('numbers products with stable, unique external ids', () => {
    expect(catalog[0]!.externalId).toBe('demo-000001');
    expect(catalog[122]!.externalId).toBe('demo-000123');
    expect(new Set(catalog.map((p) => p.externalId)).size).toBe(catalog.length);
  });

  it('uses every category, pattern and StyleDNA palette colour', () => {
    expect(CATEGORIES.length).toBeGreaterThanOrEqual(8);
    expect(new Set(catalog.map((p) => p.category))).toEqual(new Set(CATEGORIES));
    expect(new Set(catalog.map((p) => p.pattern))).toEqual(new Set(PATTERNS));
    expect(new Set(catalog.map((p) => p.colour))).toEqual(new Set(COLOURS));
  });

  it('gives each product consistent, plausible attributes', () => {
    for (const p of catalog) {
      const profile = CATEGORY_PROFILES[p.category];
      expect(profile.kinds).toContain(p.kind);
      expect(COLOURS).toContain(p.colour);
      expect(p.title.toLowerCase()).toBe(
        `${p.colour} ${p.pattern === 'solid' ? '' : `${p.pattern} `}${p.material} ${p.kind}`,
      );
      expect(p.description).toContain(`${p.colour} ${p.material}`);
      expect(p.description).toContain(p.occasion);
      if (p.pattern === 'solid') {
        expect(p.secondaryColour).toBeUndefined();
      } else {
        expect(COLOURS).toContain(p.secondaryColour);
        expect(p.secondaryColour).not.toBe(p.colour);
        expect(p.description).toContain(p.secondaryColour);
      }
      const premium = MATERIAL_PREMIUM[p.material] ?? 1;
      expect(p.price.currency).toBe('USD');
      expect(Number.isInteger(p.price.amountMinor)).toBe(true);
      expect(p.price.amountMinor).toBeGreaterThanOrEqual((profile.priceUsd[0] * premium - 1.5) * 100);
      expect(p.price.amountMinor).toBeLessThanOrEqual((profile.priceUsd[1] * premium + 0.5) * 100);
      expect([1, 2, 3]).toContain(p.imageCount);
      expect(p.tags).toEqual(expect.arrayContaining([p.category, p.kind, p.colour, p.pattern, p.material]));
    }
  });

  it('keeps about 85% of products in stock', () => {
    const inStock = catalog.filter((p) => p.inStock).length / catalog.length;
    expect(inStock).toBeGreaterThan(0.8);
    expect(inStock).toBeLessThan(0.9);
  });

  it('refuses a product count that is not a non-negative integer', () => {
    for (const products of [-1, 1.5, Number.NaN]) {
      expect(() => generateCatalog({ products })).toThrow(DemoCatalogError);
    }
    expect(generateCatalog({ products: 0 })).toEqual([]);
  });
});
