import type { SourceProduct } from '@nlyzer/connectors';
import { describe, expect, it } from 'vitest';
import { normaliseProduct } from './normalise-product.ts';

const product = (overrides: Partial<SourceProduct> = {}): SourceProduct => ({
  externalId: 'sku-1',
  title: 'Linen dress',
  description: 'Light and airy',
  url: 'https://shop.test/products/linen-dress',
  price: { amountMinor: 4999, currency: 'EUR' },
  availability: 'in_stock',
  categories: ['Dresses', 'Women'],
  tags: ['summer'],
  images: [{ url: 'https://cdn.test/1.jpg', alt: null, width: null, height: null }],
  variants: [],
  updatedAt: '2026-11-20T10:00:00Z',
  ...overrides,
});

const image = (url: string) => ({ url, alt: null, width: null, height: null });

function accepted(source: SourceProduct) {
  const outcome = normaliseProduct(source);
  if (!outcome.ok) throw new Error(`rejected: ${outcome.rejected.code}`);
  return outcome;
}

describe('normaliseProduct', () => {
  it('rejects what cannot be a product, with a code and the id when there is one', () => {
    const cases: [Partial<SourceProduct>, string][] = [
      [{ externalId: '  ' }, 'missing_id'],
      [{ externalId: 'x'.repeat(129) }, 'invalid_id'],
      [{ title: '\u0000 ' }, 'missing_title'],
      [{ price: { amountMinor: -1, currency: 'EUR' } }, 'invalid_price'],
      [{ price: { amountMinor: 12.5, currency: 'EUR' } }, 'invalid_price'],
      [{ price: { amountMinor: 1e15, currency: 'EUR' } }, 'invalid_price'],
      [{ price: { amountMinor: 100, currency: 'euro' } }, 'invalid_currency'],
      [{ availability: 'maybe' as never }, 'invalid_availability'],
      [
        { images: Array.from({ length: 10_000 }, (_, i) => image(`https://cdn.test/${i}.jpg`)) },
        'too_many_images',
      ],
    ];
    for (const [overrides, code] of cases) {
      const outcome = normaliseProduct(product(overrides));
      expect(outcome, code).toMatchObject({ ok: false, rejected: { code } });
    }
    expect(normaliseProduct(product({ externalId: '' }))).toMatchObject({
      ok: false,
      rejected: { externalId: null },
    });
  });

  it('trims what search cannot take and says so', () => {
    const { product: normalised, warnings } = accepted(
      product({
        title: `  ${'T'.repeat(600)}  `,
        url: 'javascript:alert(1)',
        images: [
          ...Array.from({ length: 12 }, (_, i) => image(`https://cdn.test/${i}.jpg`)),
          image('https://cdn.test/0.jpg'),
          image('ftp://cdn.test/x.jpg'),
        ],
        categories: [' Dresses ', 'Dresses', '', ...Array.from({ length: 30 }, (_, i) => `C${i}`)],
      }),
    );
    expect(normalised.title).toHaveLength(500);
    expect(normalised.url).toBeNull();
    expect(normalised.imageUrls).toHaveLength(10);
    expect(normalised.imageUrls[0]).toBe('https://cdn.test/0.jpg');
    expect(normalised.categories).toHaveLength(20);
    expect(normalised.categories[0]).toBe('Dresses');
    expect(warnings.map((w) => w.code).sort()).toEqual([
      'invalid_image_url',
      'invalid_url',
      'too_many_images',
    ]);
  });

  it('removes what Postgres cannot store', () => {
    const { product: normalised } = accepted(
      product({ title: 'A\u0000B', description: 'broken \ud800 surrogate', tags: ['x\u0000'] }),
    );
    expect(normalised.title).toBe('AB');
    expect(normalised.description).toBe('broken \ufffd surrogate');
    expect(normalised.tags).toEqual(['x']);
  });

  it('hashes the content, not the timestamp nor the order of object keys', () => {
    const base = accepted(product()).product;
    expect(base.contentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(accepted(product({ updatedAt: '2026-11-21T00:00:00Z' })).product.contentHash).toBe(
      base.contentHash,
    );
    const reordered = Object.fromEntries(Object.entries(product()).reverse()) as unknown as SourceProduct;
    expect(accepted(reordered).product.contentHash).toBe(base.contentHash);
    for (const change of [
      { title: 'Linen dress, blue' },
      { price: { amountMinor: 5999, currency: 'EUR' } },
      { images: [image('https://cdn.test/2.jpg')] },
      { availability: 'out_of_stock' as const },
    ]) {
      expect(accepted(product(change)).product.contentHash).not.toBe(base.contentHash);
    }
  });
});
