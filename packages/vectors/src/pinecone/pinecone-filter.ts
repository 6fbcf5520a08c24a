import type { VectorFilter, VectorMetadata } from '../vector-index.ts';

/** Pinecone metadata: absent optional fields are left out, `inStock` always written so `$eq: false` matches. */
export type PineconeMetadata = Record<string, string | number | boolean>;

export function toPineconeMetadata(metadata: VectorMetadata): PineconeMetadata {
  const out: PineconeMetadata = { productId: metadata.productId, inStock: metadata.inStock ?? false };
  if (metadata.price !== undefined) out.price = metadata.price;
  if (metadata.category !== undefined) out.category = metadata.category;
  return out;
}

export function fromPineconeMetadata(metadata: Record<string, unknown> | undefined): VectorMetadata {
  const out: VectorMetadata = { productId: String(metadata?.productId ?? '') };
  if (typeof metadata?.inStock === 'boolean') out.inStock = metadata.inStock;
  if (typeof metadata?.price === 'number') out.price = metadata.price;
  if (typeof metadata?.category === 'string') out.category = metadata.category;
  return out;
}

/** The same conditions as `matchesFilter`, in Pinecone's filter language. */
export function toPineconeFilter(filter: VectorFilter | undefined): Record<string, unknown> | undefined {
  if (filter === undefined) return undefined;
  const clauses: Record<string, unknown>[] = [];
  if (filter.inStock !== undefined) clauses.push({ inStock: { $eq: filter.inStock } });
  if (filter.minPrice !== undefined) clauses.push({ price: { $gte: filter.minPrice } });
  if (filter.maxPrice !== undefined) clauses.push({ price: { $lte: filter.maxPrice } });
  if (filter.categories !== undefined) clauses.push({ category: { $in: filter.categories } });
  if (clauses.length === 0) return undefined;
  return clauses.length === 1 ? clauses[0] : { $and: clauses };
}
