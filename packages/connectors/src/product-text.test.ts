import { SYNC_LIMITS } from '@nlyzer/contracts';
import { describe, expect, it } from 'vitest';
import {
  htmlToText,
  imageUrl,
  normalizeProduct,
  type ProductDraft,
  parseMoney,
  parsePriceWithCurrency,
} from './product-text.ts';

const draft = (overrides: Partial<ProductDraft> = {}): ProductDraft => ({
  externalId: 42,
  title: 'Linen shirt',
  description: '<p>Soft</p>',
  url: 'https://shop.example/p/42',
  price: { amount: '19.99', currency: 'USD' },
  categories: ['Shirts'],
  tags: [],
  images: [{ url: 'https://cdn.example/42.jpg' }],
  variants: [],
  updatedAt: '2026-11-01T10:00:00Z',
  ...overrides,
});

describe('htmlToText', () => {
  it('strips tags, decodes entities, breaks lines at blocks and collapses whitespace', () => {
    const html =
      '<div><h2>Linen&nbsp;shirt</h2><p>Soft   &amp; <b>breathable</b>.</p><script>alert(1)</script>' +
      '<style>p{}</style><ul><li>Size&#160;M</li><li>Caf&eacute; &lt;blue&gt;</li></ul></div>';
    expect(htmlToText(html)).toBe('Linen shirt\nSoft & breathable.\nSize M\nCafé <blue>');
  });

  it('keeps plain text as it is, whitespace collapsed', () => {
    expect(htmlToText('  Plain \t text\n\n second  ')).toBe('Plain text\nsecond');
    expect(htmlToText(null)).toBe('');
  });
});

describe('parseMoney', () => {
  it('converts by the ISO 4217 exponent of the currency', () => {
    expect(parseMoney('19.99', 'USD')).toEqual({ ok: true, money: { amountMinor: 1999, currency: 'USD' } });
    expect(parseMoney('1500', 'JPY')).toEqual({ ok: true, money: { amountMinor: 1500, currency: 'JPY' } });
    expect(parseMoney('1500.00', 'jpy')).toEqual({ ok: true, money: { amountMinor: 1500, currency: 'JPY' } });
    expect(parseMoney('1.234', 'KWD')).toEqual({ ok: true, money: { amountMinor: 1234, currency: 'KWD' } });
    expect(parseMoney('1,299.5', 'EUR')).toEqual({
      ok: true,
      money: { amountMinor: 129950, currency: 'EUR' },
    });
    expect(parseMoney(12.5, 'GBP')).toEqual({ ok: true, money: { amountMinor: 1250, currency: 'GBP' } });
  });

  it('refuses NaN, negatives, excess decimals, unknown currencies and absurd amounts', () => {
    for (const [amount, currency] of [
      ['abc', 'USD'],
      ['-5.00', 'USD'],
      [Number.NaN, 'USD'],
      [-1, 'USD'],
      ['19.999', 'USD'],
      ['10.5', 'JPY'],
      ['10', 'XYZ'],
      ['10', 'dollars'],
      ['10000000000.01', 'USD'],
      ['1e5', 'USD'],
    ] as const) {
      expect(parseMoney(amount, currency).ok, `${amount} ${currency}`).toBe(false);
    }
    expect(parseMoney('10000000000', 'USD').ok).toBe(true);
  });

  it('reads Google Merchant price strings', () => {
    expect(parsePriceWithCurrency('15.00 USD', null)).toEqual({
      ok: true,
      money: { amountMinor: 1500, currency: 'USD' },
    });
    expect(parsePriceWithCurrency('EUR 7.5', null)).toEqual({
      ok: true,
      money: { amountMinor: 750, currency: 'EUR' },
    });
    expect(parsePriceWithCurrency('7.5', 'EUR')).toEqual({
      ok: true,
      money: { amountMinor: 750, currency: 'EUR' },
    });
    expect(parsePriceWithCurrency('7.5', null).ok).toBe(false);
  });
});

describe('imageUrl', () => {
  it('keeps http(s) URLs that may be images and drops the rest', () => {
    expect(imageUrl('https://cdn.example/a.JPG?v=2')).toBe('https://cdn.example/a.JPG?v=2');
    expect(imageUrl('https://cdn.example/images/123?w=800')).toBe('https://cdn.example/images/123?w=800');
    expect(imageUrl('/a.png', 'https://shop.example/')).toBe('https://shop.example/a.png');
    expect(imageUrl('ftp://cdn.example/a.jpg')).toBeNull();
    expect(imageUrl('javascript:alert(1)')).toBeNull();
    expect(imageUrl('https://shop.example/product.html')).toBeNull();
    expect(imageUrl('https://cdn.example/manual.pdf')).toBeNull();
    expect(imageUrl('not a url')).toBeNull();
  });
});

describe('normalizeProduct', () => {
  it('turns a draft into a SourceProduct', () => {
    const result = normalizeProduct(draft({ title: 'Linen &amp; cotton <em>shirt</em>' }));
    expect(result).toEqual({
      ok: true,
      product: {
        externalId: '42',
        title: 'Linen & cotton shirt',
        description: 'Soft',
        url: 'https://shop.example/p/42',
        price: { amountMinor: 1999, currency: 'USD' },
        availability: 'in_stock',
        categories: ['Shirts'],
        tags: [],
        images: [{ url: 'https://cdn.example/42.jpg', alt: null, width: null, height: null }],
        variants: [],
        updatedAt: '2026-11-01T10:00:00.000Z',
      },
    });
  });

  it('rejects with the shared codes', () => {
    const codeOf = (overrides: Partial<ProductDraft>) => {
      const result = normalizeProduct(draft(overrides));
      return result.ok ? 'accepted' : result.rejected.code;
    };
    expect(codeOf({ externalId: null })).toBe('missing_id');
    expect(codeOf({ externalId: '  ' })).toBe('missing_id');
    expect(codeOf({ title: ' <b> </b> ' })).toBe('missing_title');
    expect(codeOf({ price: { amount: '99999999999999', currency: 'USD' } })).toBe('invalid_price');
    expect(codeOf({ price: { amount: 'free', currency: 'USD' } })).toBe('invalid_price');
    expect(
      codeOf({ images: Array.from({ length: 251 }, (_, i) => ({ url: `https://cdn.example/${i}.jpg` })) }),
    ).toBe('too_many_images');
    expect(
      codeOf({
        variants: [
          { externalId: 1, title: 'M', price: { amount: '-1', currency: 'USD' }, availability: 'in_stock' },
        ],
      }),
    ).toBe('invalid_price');
    expect(codeOf({ price: { amount: '', currency: 'USD' } })).toBe('accepted');
  });

  it('keeps the first images up to the limit and drops the unusable ones, keeping the product', () => {
    const images = [
      { url: 'https://shop.example/page.html' },
      { url: 'data:image/png;base64,AAAA' },
      ...Array.from({ length: 20 }, (_, i) => ({ url: `https://cdn.example/${i}.webp` })),
    ];
    const result = normalizeProduct(draft({ images }));
    if (!result.ok) throw new Error('rejected');
    expect(result.product.images.map((image) => image.url)).toEqual(
      Array.from({ length: SYNC_LIMITS.imagesPerProduct }, (_, i) => `https://cdn.example/${i}.webp`),
    );
    const imageless = normalizeProduct(draft({ images: [{ url: 'mailto:x@example.com' }], url: 'nope' }));
    expect(imageless.ok && imageless.product.images).toEqual([]);
    expect(imageless.ok && imageless.product.url).toBeNull();
  });

  it('takes the lowest variant price and the best availability when the product has none', () => {
    const result = normalizeProduct(
      draft({
        price: null,
        variants: [
          {
            externalId: 1,
            title: 'L',
            price: { amount: '25', currency: 'USD' },
            availability: 'out_of_stock',
          },
          {
            externalId: 2,
            title: 'M',
            price: { amount: '21.50', currency: 'USD' },
            availability: 'backorder',
          },
          { externalId: 3, title: '', price: null, availability: 'out_of_stock', sku: ' ' },
        ],
      }),
    );
    if (!result.ok) throw new Error('rejected');
    expect(result.product.price).toEqual({ amountMinor: 2150, currency: 'USD' });
    expect(result.product.availability).toBe('backorder');
    expect(result.product.variants[2]).toMatchObject({ title: 'Linen shirt', sku: null, price: null });
  });
});
