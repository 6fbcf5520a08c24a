// Grows an indexed store to a realistic size without embedding thousands of photos: each
// extra product copies a real product's row, images and vectors, its vectors moved by
// Gaussian noise and re-normalised. By default the noise puts a copy as far from its
// source as a real product typically is from its nearest real neighbour, so the index is
// not a set of tight clusters of near-duplicates. Written the way the indexing worker writes a
// product (a catalog version bump per transaction, rows stamped with it as their
// vector_version), so the product index picks them up through the vector feed like any
// indexed product. Isotropic noise in hundreds of dimensions is harder on a graph index
// than real descriptors are: the quality bench checks the index on a real store instead.
import { createHash, randomUUID } from 'node:crypto';
import type { Insertable } from 'kysely';
import { vectorId } from '../src/features/indexing/index-product.ts';
import { bumpCatalogVersion } from '../src/features/store-settings/settings-store.ts';
import { vectorFromBytes, vectorToBytes } from '../src/indexes/vector-bytes.ts';
import { chunks } from '../src/indexes/vector-feed.ts';
import type { SearchContext } from '../src/search-context.ts';
import type { ProductImagesTable, ProductsTable, ProductVectorsTable } from '../src/search-tables.ts';

const PRODUCTS_PER_TRANSACTION = 250;

export interface PaddedStore {
  added: number;
  vectors: number;
  /** Standard deviation of the noise per dimension. */
  noise: number;
  /** Median over real vectors of the similarity to the nearest vector of another real product. */
  medianNeighbourSimilarity: number;
  /** Mean cosine similarity of a padded vector to the real one it was made from. */
  meanSimilarityToSource: number;
}

/** Adds products until the store has `total`, copying its real products in turn. */
export async function padStore(
  context: SearchContext,
  storeId: string,
  total: number,
  options: { noise: number | 'auto'; seed: number },
): Promise<PaddedStore> {
  const { db } = context;
  const source = await db.withStore(storeId, async (trx) => ({
    products: await trx
      .selectFrom('search.products')
      .selectAll()
      .where('store_id', '=', storeId)
      .orderBy('external_id')
      .execute(),
    vectors: await trx
      .selectFrom('search.product_vectors')
      .selectAll()
      .where('store_id', '=', storeId)
      .execute(),
    images: await trx
      .selectFrom('search.product_images')
      .selectAll()
      .where('store_id', '=', storeId)
      .execute(),
  }));
  const indexed = source.products.filter((product) => product.index_state === 'indexed');
  const count = Math.max(0, total - source.products.length);
  const vectorsOf = Map.groupBy(source.vectors, (row) => row.product_id);
  const real = source.vectors.map((row) => ({
    productId: row.product_id,
    vector: vectorFromBytes(row.vector),
  }));
  const neighbour = medianNeighbourSimilarity(real);
  const dims = real[0]?.vector.length ?? 1;
  // A unit vector plus noise of deviation σ in d dimensions keeps a cosine of about 1/√(1 + σ²d) to it.
  const noise =
    options.noise === 'auto' ? Math.sqrt(Math.max(0, 1 / neighbour ** 2 - 1) / dims) : options.noise;
  const unchanged = {
    added: 0,
    vectors: 0,
    noise,
    medianNeighbourSimilarity: neighbour,
    meanSimilarityToSource: 1,
  };
  if (count === 0 || indexed.length === 0) return unchanged;
  const imagesOf = Map.groupBy(source.images, (row) => row.product_id);
  const gaussian = gaussianSource(options.seed);

  let similarity = 0;
  let written = 0;
  /** One padded product's rows, copied from the real product `n` cycles to. */
  const copy = (n: number) => {
    const original = indexed[n % indexed.length]!;
    const productId = randomUUID();
    const externalId = `pad-${String(n + 1).padStart(6, '0')}`;
    const product: Omit<Insertable<ProductsTable>, 'vector_version'> = {
      store_id: storeId,
      product_id: productId,
      external_id: externalId,
      title: `${original.title} (${externalId})`,
      description: original.description,
      url: original.url,
      price_minor: original.price_minor === null ? null : Number(original.price_minor),
      currency: original.currency,
      categories: original.categories,
      in_stock: original.in_stock,
      boost: original.boost,
      image_urls: original.image_urls,
      image_sources: JSON.stringify(original.image_sources),
      content_hash: createHash('sha256').update(externalId).digest('hex'),
      style_dna: original.style_dna === null ? null : JSON.stringify(original.style_dna),
      style_keywords: original.style_keywords,
      index_state: 'indexed',
      indexed_embedder: original.indexed_embedder,
    };
    const vectors: Insertable<ProductVectorsTable>[] = (vectorsOf.get(original.product_id) ?? []).map(
      (row) => {
        const base = vectorFromBytes(row.vector);
        const moved = perturbed(base, noise, gaussian);
        similarity += dot(base, moved);
        return {
          ...row,
          product_id: productId,
          vector_id: vectorId(productId, row.image_position, row.view),
          vector: vectorToBytes(moved),
        };
      },
    );
    const images: Insertable<ProductImagesTable>[] = (imagesOf.get(original.product_id) ?? []).map(
      (image) => ({ ...image, product_id: productId }),
    );
    return { product, vectors, images };
  };

  // Several transactions of a few hundred products: one transaction of ~100K vectors slows
  // PGlite down severalfold as it grows. Each is a catalog change of its own, as an import would be.
  for (let start = 0; start < count; start += PRODUCTS_PER_TRANSACTION) {
    const batch = Array.from({ length: Math.min(PRODUCTS_PER_TRANSACTION, count - start) }, (_, i) =>
      copy(start + i),
    );
    await db.withStore(storeId, async (trx) => {
      const version = await bumpCatalogVersion(trx, storeId);
      await trx
        .insertInto('search.products')
        .values(batch.map(({ product }) => ({ ...product, vector_version: version })))
        .execute();
      const images = batch.flatMap((entry) => entry.images);
      for (const chunk of chunks(images, 1000))
        await trx.insertInto('search.product_images').values(chunk).execute();
      const vectors = batch.flatMap((entry) => entry.vectors);
      for (const chunk of chunks(vectors, 200))
        await trx.insertInto('search.product_vectors').values(chunk).execute();
      written += vectors.length;
    });
  }
  return {
    ...unchanged,
    added: count,
    vectors: written,
    meanSimilarityToSource: similarity / written,
  };
}

/** Over an evenly spread sample of at most 400 vectors: the exact median costs a full pairwise scan. */
function medianNeighbourSimilarity(vectors: { productId: string; vector: Float32Array }[]): number {
  const step = Math.max(1, Math.floor(vectors.length / 400));
  const sample = vectors.filter((_, i) => i % step === 0);
  const nearest = sample.map((a) =>
    vectors.reduce(
      (best, b) => (b.productId === a.productId ? best : Math.max(best, dot(a.vector, b.vector))),
      -1,
    ),
  );
  nearest.sort((x, y) => x - y);
  return nearest[Math.floor(nearest.length / 2)] ?? 1;
}

function perturbed(vector: Float32Array, noise: number, gaussian: () => number): Float32Array {
  const out = new Float32Array(vector.length);
  let norm = 0;
  for (let i = 0; i < vector.length; i++) {
    out[i] = vector[i]! + noise * gaussian();
    norm += out[i]! * out[i]!;
  }
  const scale = 1 / Math.sqrt(norm);
  for (let i = 0; i < out.length; i++) out[i] = out[i]! * scale;
  return out;
}

function dot(a: Float32Array, b: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

/** Standard normal draws (Box–Muller over mulberry32): the same padding on every run. */
function gaussianSource(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
