/** What a demo store sells: the categories, the product kinds within each and their plausible attributes. */

export const CATEGORIES = [
  'tops',
  'jackets',
  'dresses',
  'skirts',
  'trousers',
  'shorts',
  'shoes',
  'bags',
  'hats',
  'scarves',
] as const;

export type Category = (typeof CATEGORIES)[number];

export const PATTERNS = ['solid', 'striped', 'checked', 'dotted', 'floral'] as const;

export type Pattern = (typeof PATTERNS)[number];

/**
 * The class @nlyzer/vision's StyleDNA should read for each pattern: it has no flower
 * detector, a multi-tone print is what a floral reads as.
 */
export const STYLE_DNA_PATTERN: Readonly<
  Record<Pattern, 'solid' | 'striped' | 'checked' | 'dotted' | 'printed'>
> = { solid: 'solid', striped: 'striped', checked: 'checked', dotted: 'dotted', floral: 'printed' };

export interface CategoryProfile {
  /** the nouns used in titles; each draws with its own details (a shirt has a collar and buttons, a t-shirt not) */
  kinds: readonly string[];
  materials: readonly string[];
  /** price range in whole dollars, before the material premium */
  priceUsd: readonly [number, number];
  /** relative weights of solid, striped, checked, dotted, floral */
  patternWeights: readonly [number, number, number, number, number];
}

const GARMENT_PATTERNS = [45, 17, 13, 10, 15] as const;

export const CATEGORY_PROFILES: Readonly<Record<Category, CategoryProfile>> = {
  tops: {
    kinds: ['t-shirt', 'shirt', 'blouse', 'sweater'],
    materials: ['cotton', 'linen', 'silk', 'jersey', 'viscose', 'wool'],
    priceUsd: [15, 70],
    patternWeights: GARMENT_PATTERNS,
  },
  jackets: {
    kinds: ['blazer', 'bomber jacket', 'trucker jacket', 'rain jacket'],
    materials: ['wool', 'denim', 'leather', 'cotton', 'nylon', 'corduroy'],
    priceUsd: [60, 260],
    patternWeights: [70, 6, 16, 4, 4],
  },
  dresses: {
    kinds: ['sundress', 'midi dress', 'maxi dress', 'shirt dress'],
    materials: ['cotton', 'linen', 'silk', 'viscose', 'jersey'],
    priceUsd: [30, 180],
    patternWeights: GARMENT_PATTERNS,
  },
  skirts: {
    kinds: ['a-line skirt', 'pencil skirt', 'pleated skirt', 'wrap skirt'],
    materials: ['cotton', 'denim', 'wool', 'silk', 'linen'],
    priceUsd: [25, 95],
    patternWeights: GARMENT_PATTERNS,
  },
  trousers: {
    kinds: ['trousers', 'chinos', 'jeans', 'wide-leg trousers'],
    materials: ['cotton', 'denim', 'wool', 'linen', 'corduroy'],
    priceUsd: [30, 130],
    patternWeights: [70, 12, 12, 3, 3],
  },
  shorts: {
    kinds: ['shorts', 'chino shorts', 'cut-off shorts', 'running shorts'],
    materials: ['cotton', 'denim', 'linen', 'jersey', 'nylon'],
    priceUsd: [15, 65],
    patternWeights: [55, 15, 12, 8, 10],
  },
  shoes: {
    kinds: ['sneakers', 'ankle boots', 'loafers', 'heels'],
    materials: ['leather', 'suede', 'canvas', 'mesh'],
    priceUsd: [40, 220],
    patternWeights: [80, 10, 5, 5, 0],
  },
  bags: {
    kinds: ['tote bag', 'handbag', 'backpack', 'crossbody bag'],
    materials: ['leather', 'canvas', 'nylon', 'straw', 'suede'],
    priceUsd: [25, 320],
    patternWeights: [65, 12, 12, 5, 6],
  },
  hats: {
    kinds: ['cap', 'fedora', 'beanie', 'sun hat'],
    materials: ['wool', 'straw', 'cotton', 'felt', 'nylon', 'cashmere'],
    priceUsd: [12, 65],
    patternWeights: [70, 10, 12, 5, 3],
  },
  scarves: {
    kinds: ['scarf', 'shawl'],
    materials: ['wool', 'silk', 'cashmere', 'cotton'],
    priceUsd: [15, 90],
    patternWeights: [25, 25, 25, 10, 15],
  },
};

/** Kinds only made from some of their category's materials (jeans are denim). */
export const KIND_MATERIALS: Readonly<Record<string, readonly string[]>> = {
  't-shirt': ['cotton', 'jersey', 'linen'],
  sweater: ['wool', 'cashmere', 'cotton'],
  'trucker jacket': ['denim', 'corduroy', 'leather'],
  'rain jacket': ['nylon', 'cotton'],
  jeans: ['denim'],
  'cut-off shorts': ['denim', 'cotton'],
  'running shorts': ['nylon', 'jersey'],
  sneakers: ['leather', 'canvas', 'mesh', 'suede'],
  'ankle boots': ['leather', 'suede'],
  loafers: ['leather', 'suede'],
  heels: ['leather', 'suede'],
  cap: ['cotton', 'wool', 'nylon'],
  fedora: ['felt', 'wool', 'straw'],
  beanie: ['wool', 'cashmere', 'cotton'],
  'sun hat': ['straw', 'cotton'],
};

/** Materials that cost more than the category's base range. */
export const MATERIAL_PREMIUM: Readonly<Record<string, number>> = {
  silk: 1.6,
  cashmere: 2,
  leather: 1.5,
  suede: 1.4,
  wool: 1.2,
};

export const OCCASIONS = [
  'everyday wear',
  'the office',
  'weekends',
  'evenings out',
  'holidays',
  'weddings and parties',
  'outdoor days',
  'travel',
] as const;

/** Words for the silhouette's first shape knob, low to high, used in titles and descriptions. */
export const FITS = ['slim', 'classic', 'relaxed', 'oversized'] as const;
