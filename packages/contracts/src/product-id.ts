import { createHash } from 'node:crypto';

/**
 * The product id of a catalog product (pushed through the API or synced from a platform): a name-based UUID (version 5, RFC 9562) of the
 * external id in the store's namespace, so posting a product again keeps its id (and
 * its vectors' ids) without a lookup, and two stores never share one.
 */
export function catalogProductId(storeId: string, externalId: string): string {
  const namespace = Buffer.from(storeId.replaceAll('-', ''), 'hex');
  const bytes = createHash('sha1').update(namespace).update(externalId, 'utf8').digest().subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
