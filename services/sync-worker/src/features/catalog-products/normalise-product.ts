import { createHash } from 'node:crypto';
import type {
  Availability,
  Money,
  RejectedSourceProduct,
  SourceProduct,
  SourceVariant,
} from '@nlyzer/connectors';
import { SYNC_LIMITS } from '@nlyzer/contracts';

/*
 * The catalog keeps what search can take: the limits below are those of the
 * `catalog.products_changed` payload. A product that cannot fit is rejected on its own
 * (logged in the run with its reason); one that fits once trimmed goes in with warnings.
 */
const MAX_EXTERNAL_ID = 128;
const MAX_TITLE = 500;
const MAX_DESCRIPTION = 10_000;
const MAX_URL = 2048;
const MAX_CATEGORIES = 20;
const MAX_CATEGORY = 200;
const MAX_TAGS = 100;
const MAX_VARIANTS = 250;
/** Shopify's own media limit per product: more is a broken feed, not a gallery to trim. */
const MAX_SOURCE_IMAGES = 250;
/** Ten billion in minor units: beyond any real price, so a parsing accident, not a product. */
const MAX_PRICE_MINOR = 1_000_000_000_000;
const AVAILABILITIES: readonly Availability[] = ['in_stock', 'out_of_stock', 'preorder', 'backorder'];

/** A product as the catalog stores and publishes it. */
export interface NormalisedProduct {
  externalId: string;
  title: string;
  description: string;
  url: string | null;
  price: Money | null;
  availability: Availability;
  categories: string[];
  tags: string[];
  variants: SourceVariant[];
  /** Absolute http(s) URLs, in the platform's order, no repeats, at most SYNC_LIMITS.imagesPerProduct. */
  imageUrls: string[];
  updatedAt: Date | null;
  /** SHA-256 of everything above but updatedAt: equal hash, nothing changed. */
  contentHash: string;
}

export interface ProductWarning {
  externalId: string;
  code: string;
  message: string;
}

export type Normalised =
  | { ok: true; product: NormalisedProduct; warnings: ProductWarning[] }
  | { ok: false; rejected: RejectedSourceProduct };

function httpUrl(value: string | null | undefined): string | null {
  if (typeof value !== 'string' || !URL.canParse(value)) return null;
  const url = new URL(value);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  return url.href.length > MAX_URL ? null : url.href;
}

/** Postgres text cannot hold NUL, nor JSON a lone surrogate: platforms do send both. */
const storable = (value: string) => value.replaceAll('\u0000', '').toWellFormed();
const text = (value: unknown) => (typeof value === 'string' ? storable(value).trim() : '');
const storableJson = <T>(value: T): T =>
  JSON.parse(JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' ? storable(v) : v)));

export function normaliseProduct(source: SourceProduct): Normalised {
  const externalId = text(source.externalId);
  const reject = (code: string, message: string): Normalised => ({
    ok: false,
    rejected: { externalId: externalId === '' ? null : externalId, code, message },
  });
  if (externalId === '') return reject('missing_id', 'The product has no id');
  if (externalId.length > MAX_EXTERNAL_ID)
    return reject('invalid_id', `The product id is longer than ${MAX_EXTERNAL_ID} characters`);
  const title = text(source.title);
  if (title === '') return reject('missing_title', 'The product has no title');

  let price: Money | null = null;
  if (source.price != null) {
    const { amountMinor, currency } = source.price;
    if (!Number.isSafeInteger(amountMinor) || amountMinor < 0 || amountMinor > MAX_PRICE_MINOR)
      return reject('invalid_price', `The price ${String(amountMinor)} is not a plausible amount`);
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency))
      return reject('invalid_currency', `The currency ${String(currency)} is not an ISO 4217 code`);
    price = { amountMinor, currency };
  }
  if (!AVAILABILITIES.includes(source.availability))
    return reject('invalid_availability', `Unknown availability ${String(source.availability)}`);

  const images = source.images ?? [];
  if (images.length > MAX_SOURCE_IMAGES)
    return reject(
      'too_many_images',
      `${images.length} images; a product may have at most ${MAX_SOURCE_IMAGES}`,
    );

  const warnings: ProductWarning[] = [];
  const warn = (code: string, message: string) => warnings.push({ externalId, code, message });

  const url = httpUrl(source.url);
  if (source.url != null && url === null)
    warn('invalid_url', 'The product URL is not an http(s) URL; dropped');

  const imageUrls: string[] = [];
  for (const image of images) {
    const imageUrl = httpUrl(image?.url);
    if (imageUrl === null) warn('invalid_image_url', `Image URL ${String(image?.url).slice(0, 200)} dropped`);
    else if (!imageUrls.includes(imageUrl)) imageUrls.push(imageUrl);
  }
  if (imageUrls.length > SYNC_LIMITS.imagesPerProduct) {
    warn('too_many_images', `${imageUrls.length} images; the first ${SYNC_LIMITS.imagesPerProduct} are kept`);
    imageUrls.length = SYNC_LIMITS.imagesPerProduct;
  }

  const categories = [
    ...new Set((source.categories ?? []).map((c) => text(c).slice(0, MAX_CATEGORY)).filter(Boolean)),
  ].slice(0, MAX_CATEGORIES);
  const tags = [...new Set((source.tags ?? []).map(text).filter(Boolean))].slice(0, MAX_TAGS);
  const updatedAt = source.updatedAt == null ? null : new Date(source.updatedAt);

  const fields = {
    externalId,
    title: title.slice(0, MAX_TITLE),
    description: text(source.description).slice(0, MAX_DESCRIPTION),
    url,
    price,
    availability: source.availability,
    categories,
    tags,
    variants: storableJson((source.variants ?? []).slice(0, MAX_VARIANTS)),
    imageUrls,
  };
  return {
    ok: true,
    product: {
      ...fields,
      updatedAt: updatedAt === null || Number.isNaN(updatedAt.getTime()) ? null : updatedAt,
      contentHash: contentHash(fields),
    },
    warnings,
  };
}

/** JSON with object keys sorted at every level, so equal content hashes equally. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function contentHash(fields: Omit<NormalisedProduct, 'contentHash' | 'updatedAt'>): string {
  return createHash('sha256').update(canonicalJson(fields)).digest('hex');
}
