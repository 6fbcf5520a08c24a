import type { Emit } from '@nlyzer/bus';
import type { RejectedSourceProduct, SourceDeletion, SourceProduct } from '@nlyzer/connectors';
import { catalogProductId, SYNC_LIMITS } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import type { CatalogTables } from '../../catalog-tables.ts';
import type { CatalogTransaction } from '../../sync-context.ts';
import type {
  CatalogImageInspector,
  ImageInspection,
  KnownImage,
} from '../catalog-images/catalog-image-inspector.ts';
import {
  chunks,
  deleteProducts,
  type ImageRow,
  markSeen,
  type ProductWrite,
  type RemovedProduct,
  readStoredProducts,
  replaceImages,
  type StoredImage,
  type StoredProduct,
  writeProducts,
} from './catalog-store.ts';
import { type NormalisedProduct, normaliseProduct, type ProductWarning } from './normalise-product.ts';

/*
 * The diff engine, shared by sync runs (one page at a time) and webhooks (a few products):
 * `prepareCatalogChanges` does the slow part outside any write transaction (normalising,
 * hashing, one read of what is stored, image inspection); `commitCatalogChanges` then writes
 * the outcome and its `catalog.products_changed` events in the caller's transaction.
 *
 * Images are inspected for added and updated products only. An unchanged product's images
 * are not fetched on an incremental sync; a full sync revalidates them (conditional
 * requests: unchanged bytes cost a 304), which is how new bytes behind an unchanged URL are
 * found, and an image that broke shows up in the quality report.
 */

export interface ChangeBatch {
  products: readonly SourceProduct[];
  rejected: readonly RejectedSourceProduct[];
  deleted: readonly SourceDeletion[];
}

export interface PrepareOptions {
  /** The sync run the batch belongs to; null for webhook changes. */
  runId: string | null;
  /** Re-inspect the images of unchanged products (full syncs). */
  revalidateUnchanged: boolean;
  signal?: AbortSignal;
}

export interface ChangeCounts {
  seen: number;
  added: number;
  updated: number;
  unchanged: number;
  failed: number;
  imagesFetched: number;
  imagesFailed: number;
}

export interface PreparedWrite extends ProductWrite {
  kind: 'added' | 'updated';
  /** An image's bytes, or the list of images, differ from what was stored. */
  changedImages: boolean;
  /** Search will (re)embed it: changed images, at least one usable. */
  embeds: boolean;
  /** Not yet seen by this run (a product a run meets twice is embedded once in its count). */
  firstInRun: boolean;
}

export interface PreparedChanges {
  writes: PreparedWrite[];
  /** Unchanged products whose image validators moved (a new ETag, same bytes): rows only, no event. */
  imageRefreshes: Pick<ProductWrite, 'productId' | 'images'>[];
  /** External ids seen unchanged or rejected: a full sync must not delete them. */
  seenExternalIds: string[];
  deletedExternalIds: string[];
  rejected: RejectedSourceProduct[];
  /** Trimmed fields and failed images, for the run log. */
  warnings: ProductWarning[];
  counts: ChangeCounts;
  maxUpdatedAt: Date | null;
}

export interface CatalogChangesDeps {
  db: Database<CatalogTables>;
  inspector: CatalogImageInspector;
}

function knownImage(stored: StoredProduct | undefined, url: string): KnownImage | null {
  const image = stored?.images.find((candidate) => candidate.url === url);
  if (image === undefined || image.status !== 'ok' || image.sha256 === null) return null;
  return {
    sha256: image.sha256,
    width: image.width ?? 0,
    height: image.height ?? 0,
    bytes: image.bytes ?? 0,
    contentType: image.content_type ?? 'application/octet-stream',
    etag: image.etag,
    lastModified: image.last_modified,
  };
}

function imageRow(inspection: ImageInspection): ImageRow {
  if (inspection.ok) {
    return {
      url: inspection.url,
      status: 'ok',
      sha256: inspection.sha256,
      width: inspection.width,
      height: inspection.height,
      bytes: inspection.bytes,
      contentType: inspection.contentType,
      etag: inspection.etag,
      lastModified: inspection.lastModified,
      error: null,
    };
  }
  return {
    url: inspection.url,
    status: inspection.status,
    sha256: null,
    width: null,
    height: null,
    bytes: null,
    contentType: null,
    etag: null,
    lastModified: null,
    error: inspection.error.slice(0, 500),
  };
}

function imagesDiffer(before: readonly StoredImage[], after: readonly ImageRow[]): boolean {
  return (
    before.length !== after.length ||
    after.some((image, i) => {
      const old = before[i]!;
      return old.url !== image.url || old.sha256 !== image.sha256 || old.status !== image.status;
    })
  );
}

function validatorsDiffer(before: readonly StoredImage[], after: readonly ImageRow[]): boolean {
  return after.some(
    (image, i) => before[i]?.etag !== image.etag || before[i]?.last_modified !== image.lastModified,
  );
}

export async function prepareCatalogChanges(
  deps: CatalogChangesDeps,
  storeId: string,
  batch: ChangeBatch,
  options: PrepareOptions,
): Promise<PreparedChanges> {
  const rejected = [...batch.rejected];
  const warnings: ProductWarning[] = [];
  // The last of several entries for one product wins, as if they came one after the other.
  const accepted = new Map<string, NormalisedProduct>();
  for (const source of batch.products) {
    const outcome = normaliseProduct(source);
    if (!outcome.ok) {
      rejected.push(outcome.rejected);
      continue;
    }
    accepted.set(outcome.product.externalId, outcome.product);
    warnings.push(...outcome.warnings);
  }
  const rejectedIds = rejected.flatMap((r) => (r.externalId === null ? [] : [r.externalId]));

  const stored = await deps.db.withStore(storeId, (trx) =>
    readStoredProducts(trx, storeId, [...accepted.keys()]),
  );

  const candidates: {
    product: NormalisedProduct;
    stored: StoredProduct | undefined;
    kind: PreparedWrite['kind'] | 'unchanged';
  }[] = [];
  for (const product of accepted.values()) {
    const before = stored.get(product.externalId);
    const kind =
      before === undefined ? 'added' : before.contentHash !== product.contentHash ? 'updated' : 'unchanged';
    candidates.push({ product, stored: before, kind });
  }
  const inspected = candidates.filter(
    (c) => c.kind !== 'unchanged' || (options.revalidateUnchanged && c.product.imageUrls.length > 0),
  );
  const inspections = await deps.inspector.inspect(
    inspected.flatMap(({ product, stored: before }) =>
      product.imageUrls.map((url) => ({ url, known: knownImage(before, url) })),
    ),
    options.signal,
  );

  const counts: ChangeCounts = {
    seen: batch.products.length + batch.rejected.length,
    added: 0,
    updated: 0,
    unchanged: 0,
    failed: rejected.length,
    imagesFetched: 0,
    imagesFailed: 0,
  };
  const writes: PreparedWrite[] = [];
  const imageRefreshes: PreparedChanges['imageRefreshes'] = [];
  const seenExternalIds = [...rejectedIds];
  const imagesOf = new Map<NormalisedProduct, ImageRow[]>();
  let offset = 0;
  for (const { product } of inspected) {
    const rows = inspections.slice(offset, offset + product.imageUrls.length).map(imageRow);
    offset += product.imageUrls.length;
    imagesOf.set(product, rows);
    for (const row of rows) {
      if (row.status === 'ok') counts.imagesFetched += 1;
      else {
        counts.imagesFailed += 1;
        warnings.push({
          externalId: product.externalId,
          code: `image_${row.status}`,
          message: `${row.url}: ${row.error}`,
        });
      }
    }
  }

  let maxUpdatedAt: Date | null = null;
  for (const { product, stored: before, kind } of candidates) {
    if (product.updatedAt !== null && (maxUpdatedAt === null || product.updatedAt > maxUpdatedAt))
      maxUpdatedAt = product.updatedAt;
    const productId = before?.productId ?? catalogProductId(storeId, product.externalId);
    const images = imagesOf.get(product);
    if (images === undefined) {
      counts.unchanged += 1;
      seenExternalIds.push(product.externalId);
      continue;
    }
    const changedImages = before === undefined || imagesDiffer(before.images, images);
    if (kind === 'unchanged' && !changedImages) {
      counts.unchanged += 1;
      seenExternalIds.push(product.externalId);
      if (validatorsDiffer(before!.images, images)) imageRefreshes.push({ productId, images });
      continue;
    }
    const finalKind = kind === 'unchanged' ? 'updated' : kind;
    counts[finalKind] += 1;
    writes.push({
      productId,
      product,
      images,
      kind: finalKind,
      changedImages,
      embeds: changedImages && images.some((image) => image.status === 'ok'),
      firstInRun: options.runId === null || before?.seenRunId !== options.runId,
    });
  }

  const upserted = new Set(accepted.keys());
  return {
    writes,
    imageRefreshes,
    seenExternalIds,
    deletedExternalIds: [...new Set(batch.deleted.map((d) => d.externalId))].filter(
      (id) => !upserted.has(id),
    ),
    rejected,
    warnings,
    counts,
    maxUpdatedAt,
  };
}

export interface CommittedChanges {
  removed: RemovedProduct[];
  /** Products handed to search for embedding that count in the run's indexing total. */
  embedsForRun: number;
}

/** Writes prepared changes and their events in the caller's transaction. */
export async function commitCatalogChanges(
  trx: CatalogTransaction,
  emit: Emit,
  storeId: string,
  prepared: PreparedChanges,
  runId: string | null,
): Promise<CommittedChanges> {
  const removed = await deleteProducts(trx, storeId, prepared.deletedExternalIds);
  await releaseRunEmbeds(trx, storeId, removed);
  await writeProducts(trx, storeId, prepared.writes, runId);
  await replaceImages(trx, storeId, prepared.imageRefreshes);
  if (runId !== null) await markSeen(trx, storeId, prepared.seenExternalIds, runId);
  await emitProductsChanged(emit, storeId, runId, prepared.writes, removed);
  return {
    removed,
    embedsForRun: runId === null ? 0 : prepared.writes.filter((w) => w.embeds && w.firstInRun).length,
  };
}

/**
 * A product deleted while the run that handed it to search is still indexing leaves that
 * run's count on search's side too (when search had not embedded it yet); counting it out
 * here keeps the run from waiting for it. If search had already embedded it, the run may
 * finish one product early, never late.
 */
export async function releaseRunEmbeds(
  trx: CatalogTransaction,
  storeId: string,
  removed: readonly RemovedProduct[],
): Promise<void> {
  const perRun = new Map<string, number>();
  for (const { seenRunId } of removed)
    if (seenRunId !== null) perRun.set(seenRunId, (perRun.get(seenRunId) ?? 0) + 1);
  for (const [runId, count] of perRun) {
    await trx
      .updateTable('catalog.sync_runs')
      .set((eb) => ({
        indexing_expected: eb.fn('greatest', [eb.lit(0), eb('indexing_expected', '-', count)]),
      }))
      .where('store_id', '=', storeId)
      .where('id', '=', runId)
      .where('phase', 'in', ['fetching', 'finishing', 'indexing'])
      .execute();
  }
}

/** `catalog.products_changed` in batches of the topic's limits; image_urls are the images that could be fetched. */
export async function emitProductsChanged(
  emit: Emit,
  storeId: string,
  runId: string | null,
  writes: readonly PreparedWrite[],
  removed: readonly RemovedProduct[],
): Promise<void> {
  for (const batch of chunks(writes, SYNC_LIMITS.upsertsPerEvent)) {
    await emit('catalog.products_changed', {
      store_id: storeId,
      run_id: runId,
      upserted: batch.map(({ productId, product, images, changedImages }) => ({
        product_id: productId,
        external_id: product.externalId,
        title: product.title,
        description: product.description,
        url: product.url,
        price:
          product.price === null
            ? null
            : { amount_minor: product.price.amountMinor, currency: product.price.currency },
        categories: product.categories,
        in_stock: product.availability !== 'out_of_stock',
        content_hash: product.contentHash,
        image_urls: images.filter((image) => image.status === 'ok').map((image) => image.url),
        changed_images: changedImages,
      })),
      deleted: [],
    });
  }
  for (const batch of chunks(removed, SYNC_LIMITS.deletesPerEvent)) {
    await emit('catalog.products_changed', {
      store_id: storeId,
      run_id: runId,
      upserted: [],
      deleted: batch.map((product) => product.productId),
    });
  }
}
