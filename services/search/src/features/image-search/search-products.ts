import type { VectorFilter } from '@nlyzer/vectors';
import { sql } from 'kysely';
import type { SearchTransaction } from '../../search-context.ts';
import type { ImageSource, StoredStyleDna } from '../../search-tables.ts';
import type { Candidate, RankedProduct } from './ranking.ts';

/** What a search result shows of a product. */
export interface ProductSummary extends RankedProduct {
  productId: string;
  externalId: string;
  title: string;
  url: string | null;
  imageUrl: string | null;
  price: { amount_minor: number; currency: string } | null;
  categories: string[];
  style: StoredStyleDna | null;
}

export async function productSummaries(
  trx: SearchTransaction,
  storeId: string,
  productIds: readonly string[],
): Promise<Map<string, ProductSummary>> {
  if (productIds.length === 0) return new Map();
  const rows = await trx
    .selectFrom('search.products')
    .select([
      'product_id',
      'external_id',
      'title',
      'url',
      'image_urls',
      'image_sources',
      'price_minor',
      'currency',
      'categories',
      'in_stock',
      'boost',
      'style_dna',
    ])
    .where('store_id', '=', storeId)
    .where('product_id', 'in', productIds)
    .execute();
  return new Map(
    rows.map((row) => [
      row.product_id,
      {
        productId: row.product_id,
        externalId: row.external_id,
        title: row.title,
        url: row.url,
        imageUrl: shownImage(storeId, row.image_urls, row.image_sources),
        price:
          row.price_minor === null || row.currency === null
            ? null
            : { amount_minor: Number(row.price_minor), currency: row.currency },
        categories: row.categories,
        inStock: row.in_stock,
        boost: row.boost,
        style: row.style_dna,
      },
    ]),
  );
}

/** A URL the shopper's browser can load: the merchant's own, or ours for an image posted inline. */
function shownImage(
  storeId: string,
  urls: readonly string[],
  sources: readonly ImageSource[],
): string | null {
  if (urls[0] !== undefined) return urls[0];
  const first = sources[0];
  return first !== undefined && 'sha256' in first ? inlineImagePath(storeId, first.sha256) : null;
}

export const inlineImagePath = (storeId: string, sha256: string) => `/v1/search/images/${storeId}/${sha256}`;

/**
 * Full-text candidates over titles (weight A), StyleDNA colour and pattern words (B) and
 * descriptions (C). All words must match first ("red floral dress"); when nothing does,
 * any word may, so a shopper's over-specific query still finds the nearest products.
 * Scores are ts_rank_cd normalised to 0..1 (rank / (rank + 1)).
 */
export async function textCandidates(
  trx: SearchTransaction,
  storeId: string,
  text: string,
  filter: VectorFilter | undefined,
  limit: number,
): Promise<Candidate[]> {
  const all = await rankText(trx, storeId, sql`websearch_to_tsquery('english', ${text})`, filter, limit);
  if (all.length > 0) return all;
  const anyWord = sql`(select coalesce(
      nullif(replace(plainto_tsquery('english', ${text})::text, '&', '|'), ''), ''
    )::tsquery)`;
  return rankText(trx, storeId, anyWord, filter, limit);
}

async function rankText(
  trx: SearchTransaction,
  storeId: string,
  tsquery: ReturnType<typeof sql>,
  filter: VectorFilter | undefined,
  limit: number,
): Promise<Candidate[]> {
  let query = trx
    .selectFrom('search.products')
    .select(['product_id', sql<number>`ts_rank_cd(search_document, ${tsquery}, 32)`.as('rank')])
    .where('store_id', '=', storeId)
    .where(sql<boolean>`search_document @@ ${tsquery}`);
  if (filter?.inStock !== undefined) query = query.where('in_stock', '=', filter.inStock);
  if (filter?.minPrice !== undefined)
    query = query.where('price_minor', '>=', Math.round(filter.minPrice * 100));
  if (filter?.maxPrice !== undefined)
    query = query.where('price_minor', '<=', Math.round(filter.maxPrice * 100));
  if (filter?.categories !== undefined)
    query = query.where(sql<boolean>`categories && ${sql.val(filter.categories)}::text[]`);
  const rows = await query.orderBy('rank', 'desc').orderBy('product_id').limit(limit).execute();
  return rows.map((row) => ({ productId: row.product_id, score: Number(row.rank) }));
}
