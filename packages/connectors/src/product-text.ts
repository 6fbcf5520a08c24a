// The rules every connector applies to what a platform sends, so a product is accepted or
// rejected for the same reasons whether it came from Shopify, WooCommerce or a feed.
import { CATALOG_LIMITS, SYNC_LIMITS } from '@nlyzer/contracts';
import { Parser } from 'htmlparser2';
import type {
  Availability,
  Money,
  RejectedSourceProduct,
  SourceImage,
  SourceProduct,
  SourceVariant,
} from './source-product.ts';

/** More images than this is not a catalog, it is a broken export: the product is rejected. */
export const MAX_SOURCE_IMAGES = 250;
/** Prices beyond 10^12 minor units (ten billion dollars) are data errors, not products (as in the catalog API). */
export const MAX_AMOUNT_MINOR = CATALOG_LIMITS.maxPriceMinor;
// The catalog API's own bounds, so a synced product always fits what a pushed one may be.
const MAX_TITLE_CHARS = 500;
const MAX_DESCRIPTION_CHARS = 10_000;
const MAX_CATEGORIES = 20;
const MAX_URL_CHARS = 2048;

/** Elements whose end is a line break in the text a shopper would read. */
// biome-ignore format: a word list reads better packed
const BLOCK_ELEMENTS = new Set([
  'address', 'article', 'aside', 'blockquote', 'br', 'dd', 'div', 'dl', 'dt', 'figcaption', 'figure',
  'footer', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'header', 'hr', 'li', 'main', 'ol', 'p', 'pre',
  'section', 'table', 'td', 'th', 'tr', 'ul',
]);
/** Elements whose content is never text (scripts, styles, embedded documents). */
const HIDDEN_ELEMENTS = new Set([
  'script',
  'style',
  'template',
  'noscript',
  'iframe',
  'object',
  'svg',
  'head',
]);

/**
 * Plain text from a product description's HTML: tags dropped (with script/style content),
 * entities decoded, a line break at each block boundary, other whitespace collapsed.
 */
export function htmlToText(html: string | null | undefined): string {
  if (html === null || html === undefined || html === '') return '';
  // Most titles and many descriptions carry no markup at all.
  if (!/[<&]/.test(html)) return collapseWhitespace(html);
  let text = '';
  let hiddenDepth = 0;
  const parser = new Parser(
    {
      onopentag(name) {
        if (HIDDEN_ELEMENTS.has(name)) hiddenDepth++;
        else if (BLOCK_ELEMENTS.has(name)) text += '\n';
      },
      onclosetag(name) {
        if (HIDDEN_ELEMENTS.has(name)) hiddenDepth = Math.max(0, hiddenDepth - 1);
        else if (BLOCK_ELEMENTS.has(name)) text += '\n';
      },
      ontext(data) {
        if (hiddenDepth === 0) text += data;
      },
    },
    { decodeEntities: true },
  );
  parser.write(html);
  parser.end();
  return collapseWhitespace(text);
}

function collapseWhitespace(text: string): string {
  return text
    .split('\n')
    .map((line) => line.replace(/[\s\u00a0]+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

const exponents = new Map<string, number | null>();

/** ISO 4217 minor-unit exponent (USD 2, JPY 0, KWD 3), or null for a code that is not a currency. */
export function currencyExponent(code: string): number | null {
  let exponent = exponents.get(code);
  if (exponent === undefined) {
    exponent = null;
    if (/^[A-Z]{3}$/.test(code) && Intl.supportedValuesOf('currency').includes(code)) {
      exponent = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions()
        .maximumFractionDigits as number;
    }
    exponents.set(code, exponent);
  }
  return exponent;
}

export type MoneyResult = { ok: true; money: Money } | { ok: false; message: string };

/**
 * A decimal price string in a currency's major units → integer minor units: "19.99" USD →
 * 1999, "1500" JPY → 1500, "1,299.50" → 129950. Refuses more decimals than the currency
 * has (unless zeros), negatives, NaN and amounts of 10^12 minor units or more.
 */
export function parseMoney(amount: string | number, currencyCode: string): MoneyResult {
  const currency = currencyCode.trim().toUpperCase();
  const exponent = currencyExponent(currency);
  if (exponent === null) return { ok: false, message: `"${currencyCode}" is not an ISO 4217 currency` };
  const raw = typeof amount === 'number' ? numberToDecimal(amount) : amount.trim();
  const match = /^(\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$/.exec(raw);
  if (match === null) return { ok: false, message: `"${String(amount).slice(0, 40)}" is not a price` };
  const whole = (match[1] as string).replaceAll(',', '');
  const fraction = (match[2] ?? '').replace(/0+$/, '');
  if (fraction.length > exponent) {
    return { ok: false, message: `"${raw}" has more decimals than ${currency} allows (${exponent})` };
  }
  const amountMinor = Number(whole + fraction.padEnd(exponent, '0'));
  if (!Number.isSafeInteger(amountMinor) || amountMinor > MAX_AMOUNT_MINOR) {
    return { ok: false, message: `${raw} ${currency} is not a plausible price` };
  }
  return { ok: true, money: { amountMinor, currency } };
}

function numberToDecimal(value: number): string {
  // Numbers from JSON feeds: refuse what a string form would hide (NaN, Infinity, negatives, 1e21).
  return Number.isFinite(value) && value >= 0 && value < 1e15 ? value.toFixed(6) : String(value);
}

/** "15.00 USD" / "USD 15.00" (Google Merchant's form) → Money; the currency defaults to `fallbackCurrency`. */
export function parsePriceWithCurrency(text: string, fallbackCurrency: string | null): MoneyResult {
  const trimmed = text.trim();
  const after = /^(.+?)\s+([A-Za-z]{3})$/.exec(trimmed);
  if (after !== null) return parseMoney(after[1] as string, after[2] as string);
  const before = /^([A-Za-z]{3})\s+(.+)$/.exec(trimmed);
  if (before !== null) return parseMoney(before[2] as string, before[1] as string);
  if (fallbackCurrency === null) return { ok: false, message: `"${trimmed.slice(0, 40)}" names no currency` };
  return parseMoney(trimmed, fallbackCurrency);
}

/** An absolute http(s) URL no longer than browsers keep, or null. */
export function httpUrl(raw: string | null | undefined, base?: string): string | null {
  if (raw === null || raw === undefined) return null;
  const trimmed = raw.trim();
  if (trimmed === '' || trimmed.length > MAX_URL_CHARS) return null;
  try {
    const url = new URL(trimmed, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}

/** Extensions that say a URL is something other than an image (a page, a video, a document). */
const NON_IMAGE_EXTENSION =
  /\.(html?|php|aspx?|jsp|pdf|docx?|xlsx?|zip|gz|rar|mp4|mov|avi|webm|mkv|mp3|wav|js|css|json|xml|txt|csv)$/i;

/**
 * Whether a URL may point at an image: http(s), and not a path with a non-image extension.
 * URLs without an extension pass (CDNs serve `/images/123?w=800`); the sync's fetch decides.
 */
export function imageUrl(raw: string | null | undefined, base?: string): string | null {
  const href = httpUrl(raw, base);
  if (href === null) return null;
  return NON_IMAGE_EXTENSION.test(new URL(href).pathname) ? null : href;
}

export type PriceDraft =
  /** A decimal in major units (Woo's "19.99", a feed's 19.99), or "" for none. */
  | { amount: string | number; currency: string }
  /** Already in minor units (the catalog API's `amount_minor`). */
  | { amountMinor: unknown; currency: string }
  /** A price with its currency in the text ("15.00 USD"), as feeds write it. */
  | { text: string; fallbackCurrency: string | null };

export interface ImageDraft {
  url: string | null | undefined;
  alt?: string | null | undefined;
  width?: number | null | undefined;
  height?: number | null | undefined;
}

export interface VariantDraft {
  externalId: string | number | null | undefined;
  title: string | null | undefined;
  sku?: string | null | undefined;
  price: PriceDraft | null;
  availability: Availability;
  options?: Record<string, string>;
  imageUrl?: string | null | undefined;
}

/** What a connector read from its platform, before the shared rules are applied. */
export interface ProductDraft {
  externalId: string | number | null | undefined;
  title: string | null | undefined;
  /** HTML or plain text. */
  description: string | null | undefined;
  url: string | null | undefined;
  /** The product's own price; when null the lowest variant price is used. */
  price: PriceDraft | null;
  /** When omitted, in stock if any variant is. */
  availability?: Availability;
  categories: readonly (string | null | undefined)[];
  tags: readonly (string | null | undefined)[];
  images: readonly ImageDraft[];
  variants: readonly VariantDraft[];
  updatedAt: string | null | undefined;
}

export type NormalizedProduct =
  | { ok: true; product: SourceProduct }
  | { ok: false; rejected: RejectedSourceProduct };

/**
 * The shared acceptance rules. A product is rejected (with a code for the run log) when it
 * has no id (`missing_id`), no title (`missing_title`), a price or variant price that is
 * unreadable, negative or absurd (`invalid_price`), or more than 250 images
 * (`too_many_images`). Smaller faults are repaired, not rejected: images that are not
 * http(s) or do not look like images are dropped, only the first
 * `SYNC_LIMITS.imagesPerProduct` are kept, and a product left with no image stays listed
 * (it is still found by text, and the quality report names it). A malformed product URL
 * becomes null; titles and descriptions are stripped of HTML and bounded in length.
 */
export function normalizeProduct(draft: ProductDraft, base?: string): NormalizedProduct {
  const externalId = idText(draft.externalId);
  const reject = (code: string, message: string): NormalizedProduct => ({
    ok: false,
    rejected: { externalId, code, message },
  });
  if (externalId === null) return reject('missing_id', 'The product has no id');
  const title = htmlToText(draft.title).replaceAll('\n', ' ').slice(0, MAX_TITLE_CHARS);
  if (title === '') return reject('missing_title', `Product ${externalId} has no title`);
  if (draft.images.length > MAX_SOURCE_IMAGES) {
    return reject(
      'too_many_images',
      `Product ${externalId} has ${draft.images.length} images; more than ${MAX_SOURCE_IMAGES} is refused`,
    );
  }
  const ownPrice = priceOf(draft.price);
  if (ownPrice === 'invalid')
    return reject('invalid_price', `Product ${externalId}: ${priceMessage(draft.price)}`);

  const variants: SourceVariant[] = [];
  for (const variant of draft.variants) {
    const variantId = idText(variant.externalId);
    if (variantId === null) return reject('missing_id', `A variant of product ${externalId} has no id`);
    const price = priceOf(variant.price);
    if (price === 'invalid') {
      return reject(
        'invalid_price',
        `Variant ${variantId} of product ${externalId}: ${priceMessage(variant.price)}`,
      );
    }
    variants.push({
      externalId: variantId,
      title: htmlToText(variant.title).replaceAll('\n', ' ').slice(0, MAX_TITLE_CHARS) || title,
      sku: blankToNull(variant.sku),
      price,
      availability: variant.availability,
      options: variant.options ?? {},
      imageUrl: imageUrl(variant.imageUrl, base),
    });
  }

  const images: SourceImage[] = [];
  for (const image of draft.images) {
    const url = imageUrl(image.url, base);
    if (url === null || images.some((kept) => kept.url === url)) continue;
    images.push({
      url,
      alt: blankToNull(image.alt),
      width: positiveInt(image.width),
      height: positiveInt(image.height),
    });
    if (images.length === SYNC_LIMITS.imagesPerProduct) break;
  }

  return {
    ok: true,
    product: {
      externalId,
      title,
      description: htmlToText(draft.description).slice(0, MAX_DESCRIPTION_CHARS),
      url: httpUrl(draft.url, base),
      price: ownPrice ?? lowestPrice(variants),
      availability: draft.availability ?? anyInStock(variants),
      categories: cleanLabels(draft.categories),
      tags: cleanLabels(draft.tags),
      images,
      variants,
      updatedAt: isoDate(draft.updatedAt),
    },
  };
}

function priceOf(draft: PriceDraft | null): Money | null | 'invalid' {
  if (
    draft === null ||
    ('amount' in draft && draft.amount === '') ||
    ('text' in draft && draft.text.trim() === '')
  ) {
    return null;
  }
  const parsed = parseDraftPrice(draft);
  return parsed.ok ? parsed.money : 'invalid';
}

function priceMessage(draft: PriceDraft | null): string {
  if (draft === null) return 'no price';
  const parsed = parseDraftPrice(draft);
  return parsed.ok ? 'valid price' : parsed.message;
}

function parseDraftPrice(draft: PriceDraft): MoneyResult {
  if ('amount' in draft) return parseMoney(draft.amount, draft.currency);
  if ('text' in draft) return parsePriceWithCurrency(draft.text, draft.fallbackCurrency);
  const { amountMinor, currency } = draft;
  if (typeof amountMinor !== 'number' || !Number.isSafeInteger(amountMinor) || amountMinor < 0) {
    return {
      ok: false,
      message: `amount_minor ${String(amountMinor).slice(0, 40)} is not a whole number of minor units`,
    };
  }
  if (amountMinor > MAX_AMOUNT_MINOR)
    return { ok: false, message: `${amountMinor} ${currency} is not a plausible price` };
  if (currencyExponent(currency) === null)
    return { ok: false, message: `"${currency}" is not an ISO 4217 currency` };
  return { ok: true, money: { amountMinor, currency } };
}

/** The cheapest variant price; variants in another currency than the first are not compared. */
function lowestPrice(variants: readonly SourceVariant[]): Money | null {
  let lowest: Money | null = null;
  for (const { price } of variants) {
    if (price === null) continue;
    if (lowest === null || (price.currency === lowest.currency && price.amountMinor < lowest.amountMinor)) {
      lowest = price;
    }
  }
  return lowest;
}

/** The best availability among variants: in stock beats backorder beats preorder beats out of stock. */
export function anyInStock(variants: readonly { availability: Availability }[]): Availability {
  const rank: Availability[] = ['in_stock', 'backorder', 'preorder', 'out_of_stock'];
  let best: Availability = 'out_of_stock';
  for (const { availability } of variants) {
    if (rank.indexOf(availability) < rank.indexOf(best)) best = availability;
  }
  return variants.length === 0 ? 'in_stock' : best;
}

function idText(id: string | number | null | undefined): string | null {
  if (id === null || id === undefined) return null;
  const text = String(id).trim();
  return text === '' || text.length > 255 ? null : text;
}

function blankToNull(value: string | null | undefined): string | null {
  const trimmed = value?.trim() ?? '';
  return trimmed === '' ? null : trimmed;
}

function positiveInt(value: number | null | undefined): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : null;
}

function cleanLabels(labels: readonly (string | null | undefined)[]): string[] {
  const kept = new Set<string>();
  for (const label of labels) {
    const text = htmlToText(label).replaceAll('\n', ' ');
    if (text !== '') kept.add(text.slice(0, 200));
    if (kept.size === MAX_CATEGORIES) break;
  }
  return [...kept];
}

function isoDate(value: string | null | undefined): string | null {
  if (value === null || value === undefined || value === '') return null;
  const time = Date.parse(value);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
