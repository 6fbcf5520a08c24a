import { sql } from 'kysely';
import { chunks } from '../../indexes/vector-feed.ts';
import type { SearchTransaction } from '../../search-context.ts';
import type { ImageSource } from '../../search-tables.ts';

/** An image posted inline, hashed once on intake. */
export interface InlineImage {
  sha256: string;
  contentType: string;
  bytes: Uint8Array;
}

export async function storeInlineImages(
  trx: SearchTransaction,
  storeId: string,
  images: readonly InlineImage[],
): Promise<void> {
  const unique = [...new Map(images.map((image) => [image.sha256, image])).values()];
  // A few large blobs per statement rather than one statement per request.
  for (const chunk of chunks(unique, 20)) {
    await trx
      .insertInto('search.inline_images')
      .values(
        chunk.map((image) => ({
          store_id: storeId,
          sha256: image.sha256,
          content_type: image.contentType,
          bytes: image.bytes,
        })),
      )
      .onConflict((oc) => oc.columns(['store_id', 'sha256']).doNothing())
      .execute();
  }
}

export async function loadInlineImages(
  trx: SearchTransaction,
  storeId: string,
  hashes: readonly string[],
): Promise<Map<string, Uint8Array>> {
  if (hashes.length === 0) return new Map();
  const rows = await trx
    .selectFrom('search.inline_images')
    .select(['sha256', 'bytes'])
    .where('store_id', '=', storeId)
    .where('sha256', 'in', hashes)
    .execute();
  return new Map(rows.map((row) => [row.sha256, row.bytes]));
}

export const inlineHashes = (sources: readonly ImageSource[]): string[] =>
  sources.flatMap((source) => ('sha256' in source ? [source.sha256] : []));

/** Inline images are kept while a product refers to them; these were referred to by changed or deleted products. */
export async function dropUnreferencedInlineImages(
  trx: SearchTransaction,
  storeId: string,
  candidates: readonly string[],
): Promise<void> {
  if (candidates.length === 0) return;
  const { rows: referenced } = await sql<{ sha256: string }>`
    select distinct source ->> 'sha256' as sha256
    from search.products p cross join lateral jsonb_array_elements(p.image_sources) source
    where p.store_id = ${storeId} and source ->> 'sha256' = any(${[...new Set(candidates)]}::text[])
  `.execute(trx);
  const keep = new Set(referenced.map((row) => row.sha256));
  const unreferenced = [...new Set(candidates)].filter((sha256) => !keep.has(sha256));
  if (unreferenced.length === 0) return;
  await trx
    .deleteFrom('search.inline_images')
    .where('store_id', '=', storeId)
    .where('sha256', 'in', unreferenced)
    .execute();
}
