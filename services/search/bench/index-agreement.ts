// How the store's vector index answers real query vectors, against an exact scan of the
// vectors Postgres holds for the store: the vectors bench measures recall on synthetic
// clusters with queries drawn like the data; shopper photos are queries of another kind.
import type { VectorMatch } from '@nlyzer/vectors';
import type { ImageEmbedder } from '@nlyzer/vision';
import { vectorFromBytes } from '../src/indexes/vector-bytes.ts';
import type { SearchContext } from '../src/search-context.ts';
import { round } from './bench-report.ts';

const K = 10;

export interface IndexAgreement {
  /** Scores the index's answer to `query` (best first) against the exact top 10. */
  add(query: Float32Array, matches: readonly VectorMatch[]): void;
  figures(): { queries: number; index_recall_at_10: number; index_first_product_as_exact: number };
}

export async function indexAgreement(
  context: SearchContext,
  storeId: string,
  embedder: ImageEmbedder,
): Promise<IndexAgreement> {
  const rows = await context.db.withStore(storeId, (trx) =>
    trx
      .selectFrom('search.product_vectors')
      .select(['vector_id', 'product_id', 'vector'])
      .where('store_id', '=', storeId)
      .where('embedder', '=', embedder.id)
      .where('embedder_version', '=', embedder.version)
      .execute(),
  );
  const dims = embedder.dims;
  const all = new Float32Array(rows.length * dims);
  for (const [i, row] of rows.entries()) all.set(vectorFromBytes(row.vector), i * dims);
  let queries = 0;
  let found = 0;
  let sameFirst = 0;
  return {
    add(query, matches) {
      const best = exactTop(all, dims, query);
      const ids = new Set(best.map((i) => rows[i]!.vector_id));
      found += matches.slice(0, K).filter((match) => ids.has(match.id)).length;
      if (matches[0]?.metadata.productId === rows[best[0]!]?.product_id) sameFirst++;
      queries++;
    },
    figures: () => ({
      queries,
      index_recall_at_10: round(found / Math.max(1, queries * K), 3),
      index_first_product_as_exact: round(sameFirst / Math.max(1, queries), 3),
    }),
  };
}

/** Row numbers of the K largest inner products, best first. */
function exactTop(all: Float32Array, dims: number, query: Float32Array): number[] {
  const top: { row: number; score: number }[] = [];
  for (let row = 0; row * dims < all.length; row++) {
    let score = 0;
    const offset = row * dims;
    for (let i = 0; i < dims; i++) score += all[offset + i]! * query[i]!;
    if (top.length === K && score <= top[K - 1]!.score) continue;
    top.push({ row, score });
    top.sort((a, b) => b.score - a.score);
    if (top.length > K) top.pop();
  }
  return top.map((hit) => hit.row);
}
