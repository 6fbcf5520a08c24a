import type { VectorRecord } from '../vector-index.ts';
import { toPineconeMetadata } from './pinecone-filter.ts';

/** Pinecone's documented per-request upsert limits. */
export const PINECONE_UPSERT_LIMITS = { maxRecords: 1000, maxBytes: 2 * 1024 * 1024 } as const;

/**
 * Serialised upsert bodies, each within both limits. 632 float32s in JSON run to ~12 KB,
 * so the byte limit binds first (~170 records a request), not the record count.
 * A single record over the byte limit still goes alone; Pinecone's rejection then names it.
 */
export function* upsertBodies(
  namespace: string,
  records: readonly VectorRecord[],
  limits: { maxRecords: number; maxBytes: number } = PINECONE_UPSERT_LIMITS,
): Generator<string> {
  const head = `{"namespace":${JSON.stringify(namespace)},"vectors":[`;
  const tail = ']}';
  const overhead = Buffer.byteLength(head) + tail.length;
  let parts: string[] = [];
  let bytes = overhead;
  for (const record of records) {
    const part = JSON.stringify({
      id: record.id,
      values: Array.from(record.values),
      metadata: toPineconeMetadata(record.metadata),
    });
    const partBytes = Buffer.byteLength(part) + 1;
    if (parts.length > 0 && (parts.length >= limits.maxRecords || bytes + partBytes > limits.maxBytes)) {
      yield head + parts.join(',') + tail;
      parts = [];
      bytes = overhead;
    }
    parts.push(part);
    bytes += partBytes;
  }
  if (parts.length > 0) yield head + parts.join(',') + tail;
}
