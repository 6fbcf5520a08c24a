import {
  CATEGORIES,
  CATEGORY_PROFILES,
  type Category,
  FITS,
  KIND_MATERIALS,
  MATERIAL_PREMIUM,
  OCCASIONS,
  PATTERNS,
  type Pattern,
} from './catalog-vocabulary.ts';
import { DemoCatalogError } from './demo-catalog-error.ts';
import { COLOUR_HEX, COLOURS, type ColourName, luminance } from './palette.ts';
import { createRandom, mixSeed, type Random } from './seeded-random.ts';

export const EMBLEM_SHAPES = [
  'circle',
  'ring',
  'star',
  'diamond',
  'triangle',
  'chevron',
  'bars',
  'label',
] as const;
export type EmblemShape = (typeof EMBLEM_SHAPES)[number];

/**
 * Everything that tells two products of the same kind, colour and pattern apart in their
 * pictures. Stored with the product so a catalog.json describes its images completely.
 */
export interface ProductLook {
  /** 0..1 knobs each silhouette reads its own way: [width, length, flare or sleeve, neckline or detail] */
  shape: [number, number, number, number];
  trimColour: ColourName;
  /** size of one pattern repeat, in the 1000-unit drawing */
  patternScale: number;
  /** degrees */
  patternAngle: number;
  buttons: number;
  pockets: number;
  emblem: { shape: EmblemShape; size: number } | null;
  /** degrees: where the studio key light comes from */
  lightAngle: number;
}

export interface DemoProduct {
  /** stable across seeds and catalog sizes: 'demo-000123' */
  externalId: string;
  title: string;
  description: string;
  category: Category;
  /** the noun in the title ('shirt', 'ankle boots'); decides the silhouette's details */
  kind: string;
  colour: ColourName;
  secondaryColour?: ColourName;
  pattern: Pattern;
  material: string;
  occasion: string;
  price: { amountMinor: number; currency: 'USD' };
  inStock: boolean;
  tags: string[];
  imageCount: number;
  look: ProductLook;
}

export interface GenerateCatalogOptions {
  products: number;
  seed?: number;
}

export const DEFAULT_CATALOG_SEED = 1;
const MAX_PRODUCTS = 1_000_000;

/** Neutrals sell more, so they come up more often; every palette colour still appears. */
const COLOUR_WEIGHTS: ReadonlyArray<readonly [ColourName, number]> = COLOURS.map((c) => [
  c,
  ['black', 'white', 'navy', 'grey', 'beige'].includes(c) ? 2 : 1,
]);

function pickContrasting(random: Random, against: ColourName): ColourName {
  const candidates = COLOURS.filter(
    (c) => c !== against && Math.abs(luminance(COLOUR_HEX[c]) - luminance(COLOUR_HEX[against])) >= 0.25,
  );
  return random.pick(candidates);
}

function sentenceCase(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** "A pair of sneakers", "an a-line skirt", "a relaxed shirt". */
function withArticle(kind: string, adjective: string): string {
  const phrase = adjective ? `${adjective} ${kind}` : kind;
  if (PLURAL_KINDS.test(kind)) return `a pair of ${phrase}`;
  return /^[aeiou]/.test(phrase) ? `an ${phrase}` : `a ${phrase}`;
}

const PLURAL_KINDS = /(sneakers|boots|loafers|heels|trousers|chinos|jeans|shorts)$/;

function patternPhrase(pattern: Pattern, secondary: ColourName | undefined): string {
  switch (pattern) {
    case 'striped':
      return ` with ${secondary} stripes`;
    case 'checked':
      return ` with a ${secondary} check`;
    case 'dotted':
      return ` with ${secondary} polka dots`;
    case 'floral':
      return ` with a ${secondary} floral print`;
    default:
      return '';
  }
}

const GARMENTS: ReadonlySet<Category> = new Set([
  'tops',
  'jackets',
  'dresses',
  'skirts',
  'trousers',
  'shorts',
]);

function generateLook(random: Random, category: Category, colour: ColourName): ProductLook {
  const hasButtons = ['tops', 'jackets', 'dresses'].includes(category) ? random.chance(0.5) : false;
  return {
    shape: [random.next(), random.next(), random.next(), random.next()],
    trimColour: random.chance(0.5) ? pickContrasting(random, colour) : random.pick(COLOURS),
    patternScale: Math.round(random.range(28, 90)),
    patternAngle: random.pick([0, 0, 90, 45, -45, random.int(-30, 30)]),
    buttons: hasButtons ? random.int(2, 6) : 0,
    pockets: random.weighted([
      [0, 5],
      [1, 3],
      [2, 2],
    ]),
    emblem: random.chance(0.6)
      ? { shape: random.pick(EMBLEM_SHAPES), size: Math.round(random.range(30, 80)) }
      : null,
    lightAngle: Math.round(random.range(-60, 60)),
  };
}

/**
 * Product `index` of the catalog seeded with `seed`: drawn from its own random stream, so
 * a larger catalog starts with exactly the products of a smaller one.
 */
export function generateProduct(seed: number, index: number): DemoProduct {
  const random = createRandom(mixSeed(seed, index));
  const category = random.pick(CATEGORIES);
  const profile = CATEGORY_PROFILES[category];
  const kind = random.pick(profile.kinds);
  const material = random.pick(KIND_MATERIALS[kind] ?? profile.materials);
  const colour = random.weighted(COLOUR_WEIGHTS);
  const pattern = random.weighted(PATTERNS.map((p, i) => [p, profile.patternWeights[i]!] as const));
  const secondaryColour = pattern === 'solid' ? undefined : pickContrasting(random, colour);
  const occasion = random.pick(OCCASIONS);
  const look = generateLook(random, category, colour);

  const premium = MATERIAL_PREMIUM[material] ?? 1;
  const dollars = Math.round(random.range(profile.priceUsd[0], profile.priceUsd[1]) * premium);
  const cents = random.pick([99, 0, 50, 95]);
  const amountMinor = cents === 0 ? dollars * 100 : (dollars - 1) * 100 + cents;

  const patternWord = pattern === 'solid' ? '' : `${pattern} `;
  const title = sentenceCase(`${colour} ${patternWord}${material} ${kind}`);
  const fit = FITS[Math.min(FITS.length - 1, Math.floor(look.shape[0] * FITS.length))]!;
  const garment = GARMENTS.has(category);
  const trimPhrase = look.trimColour === colour ? '' : ` and ${look.trimColour} trim`;
  const description =
    `${sentenceCase(withArticle(kind, garment ? fit : ''))} in ${colour} ${material}${patternPhrase(pattern, secondaryColour)}${trimPhrase}. ` +
    `Made for ${occasion}.`;

  const tags = [category, kind, colour, pattern, material, occasion];
  if (secondaryColour) tags.push(secondaryColour);
  if (garment) tags.push(fit);

  return {
    externalId: `demo-${String(index + 1).padStart(6, '0')}`,
    title,
    description,
    category,
    kind,
    colour,
    ...(secondaryColour ? { secondaryColour } : {}),
    pattern,
    material,
    occasion,
    price: { amountMinor, currency: 'USD' },
    inStock: random.chance(0.85),
    tags,
    imageCount: random.weighted([
      [1, 3],
      [2, 4],
      [3, 3],
    ]),
    look,
  };
}

/** A deterministic catalog: the same seed gives the same products, and N+1 products extend the first N. */
export function generateCatalog(options: GenerateCatalogOptions): DemoProduct[] {
  const { products, seed = DEFAULT_CATALOG_SEED } = options;
  if (!Number.isInteger(products) || products < 0 || products > MAX_PRODUCTS) {
    throw new DemoCatalogError(
      'invalid_product_count',
      `products must be an integer from 0 to ${MAX_PRODUCTS}, got ${products}`,
    );
  }
  return Array.from({ length: products }, (_, index) => generateProduct(seed, index));
}
