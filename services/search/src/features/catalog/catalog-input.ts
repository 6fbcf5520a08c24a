import {
  CATALOG_LIMITS,
  type CatalogProductInput as CatalogProductBody,
  CatalogProductInput,
  type ProblemFieldError,
  type RejectedProduct,
} from '@nlyzer/contracts';
import { sniffImageFormat } from '@nlyzer/vision';
import { Compile } from 'typebox/compile';
import type { CatalogImage, CatalogProduct } from './catalog-writes.ts';

const productSchema = Compile(CatalogProductInput);
const KNOWN_CURRENCIES = new Set(Intl.supportedValuesOf('currency'));
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** A product gets this many reasons at most; the rest are more of the same. */
const MAX_ERRORS_PER_PRODUCT = 20;

export interface ValidatedProducts {
  accepted: CatalogProduct[];
  rejected: RejectedProduct[];
}

/**
 * Checks each product of an upsert on its own, so one malformed product is refused with
 * its reasons while the others go in. Inline images are decoded here (base64 checked
 * strictly, size bounded, format sniffed from the bytes), so the stored bytes are the file.
 */
export function validateProducts(items: readonly unknown[]): ValidatedProducts {
  const accepted: CatalogProduct[] = [];
  const rejected: RejectedProduct[] = [];
  const seen = new Set<string>();
  items.forEach((item, index) => {
    const externalId = externalIdOf(item);
    const refuse = (errors: ProblemFieldError[]) =>
      rejected.push({ index, external_id: externalId, errors: errors.slice(0, MAX_ERRORS_PER_PRODUCT) });
    if (!productSchema.Check(item)) {
      refuse(schemaErrors(productSchema.Errors(item)));
      return;
    }
    const errors: ProblemFieldError[] = [];
    if (seen.has(item.external_id)) {
      errors.push({ path: '/external_id', message: 'appears earlier in this request' });
    }
    if (item.price !== undefined && !KNOWN_CURRENCIES.has(item.price.currency)) {
      errors.push({ path: '/price/currency', message: 'is not an ISO 4217 currency code' });
    }
    const images = item.images.map((image, i) => readImage(image, `/images/${i}`, errors));
    if (errors.length > 0) {
      refuse(errors);
      return;
    }
    seen.add(item.external_id);
    accepted.push(
      toProduct(
        item,
        images.filter((image) => image !== null),
      ),
    );
  });
  return { accepted, rejected };
}

function externalIdOf(item: unknown): string | null {
  const value = (item as { external_id?: unknown } | null)?.external_id;
  return typeof value === 'string' && value.length <= 255 ? value : null;
}

function readImage(
  image: CatalogProductBody['images'][number],
  path: string,
  errors: ProblemFieldError[],
): CatalogImage | null {
  if ((image.url === undefined) === (image.data === undefined)) {
    errors.push({ path, message: 'needs either url or data' });
    return null;
  }
  if (image.url !== undefined) {
    if (image.content_type !== undefined) {
      errors.push({ path: `${path}/content_type`, message: 'applies to inline data only' });
      return null;
    }
    return { url: image.url };
  }
  const data = image.data!;
  // Checked before decoding: a base64 string decodes to three quarters of its length.
  if ((data.length / 4) * 3 > CATALOG_LIMITS.inlineImageBytes + 2) {
    errors.push({ path: `${path}/data`, message: `is larger than ${CATALOG_LIMITS.inlineImageBytes} bytes` });
    return null;
  }
  if (!BASE64.test(data)) {
    errors.push({ path: `${path}/data`, message: 'is not valid base64' });
    return null;
  }
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > CATALOG_LIMITS.inlineImageBytes) {
    errors.push({ path: `${path}/data`, message: `is larger than ${CATALOG_LIMITS.inlineImageBytes} bytes` });
    return null;
  }
  const format = sniffImageFormat(bytes);
  if (format === null) {
    errors.push({ path: `${path}/data`, message: 'is not a JPEG, PNG, WebP or AVIF image' });
    return null;
  }
  // The bytes decide the type; a client's content_type that disagrees is a mislabel, not a reason to refuse.
  return { data: bytes, contentType: `image/${format}` };
}

function toProduct(item: CatalogProductBody, images: CatalogImage[]): CatalogProduct {
  return {
    externalId: item.external_id,
    title: item.title.trim(),
    description: item.description ?? '',
    url: item.url ?? null,
    price:
      item.price === undefined
        ? null
        : { amountMinor: item.price.amount_minor, currency: item.price.currency },
    categories: item.categories ?? [],
    inStock: item.in_stock ?? true,
    boost: item.boost ?? 0,
    images,
  };
}

interface SchemaError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message?: string;
}

/** TypeBox's errors as field errors: one per missing or unknown field, no duplicates. */
function schemaErrors(issues: Iterable<SchemaError>): ProblemFieldError[] {
  const errors = new Map<string, ProblemFieldError>();
  const add = (path: string, message: string) =>
    errors.set(`${path}\n${message}`, { path: path || '/', message });
  for (const issue of issues) {
    const names = (key: string) => (issue.params[key] as string[] | undefined) ?? [];
    if (issue.keyword === 'required') {
      for (const name of names('requiredProperties')) add(`${issue.instancePath}/${name}`, 'is required');
    } else if (issue.keyword === 'additionalProperties') {
      for (const name of names('additionalProperties'))
        add(`${issue.instancePath}/${name}`, 'is not a known field');
    } else if (issue.keyword !== 'boolean') {
      // 'boolean' repeats each unknown field as "schema is false".
      add(issue.instancePath, issue.message ?? 'is invalid');
    }
    if (errors.size >= MAX_ERRORS_PER_PRODUCT) break;
  }
  return [...errors.values()];
}
