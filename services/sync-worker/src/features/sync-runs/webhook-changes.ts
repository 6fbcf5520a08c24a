import type { WebhookChange } from '@nlyzer/connectors';
import { type SyncContext, withStoreEvents } from '../../sync-context.ts';
import type { CatalogImageInspector } from '../catalog-images/catalog-image-inspector.ts';
import { commitCatalogChanges, prepareCatalogChanges } from '../catalog-products/catalog-changes.ts';
import { disconnectConnection } from '../connections/connection-store.ts';

/**
 * Verified webhook deliveries of one store, applied outside any run: the same diff,
 * image inspection and `catalog.products_changed` events (run_id null) as a sync page.
 * An uninstall disconnects the store and cancels its pending runs.
 */
export async function applyWebhookChanges(
  context: SyncContext,
  inspector: CatalogImageInspector,
  storeId: string,
  changes: readonly WebhookChange[],
): Promise<void> {
  const products = changes.flatMap((c) => (c.kind === 'upsert' ? [c.product] : []));
  const rejected = changes.flatMap((c) => (c.kind === 'rejected' ? [c.rejected] : []));
  const deleted = changes.flatMap((c) => (c.kind === 'delete' ? [c.deletion] : []));
  const uninstalled = changes.some((c) => c.kind === 'uninstalled');
  for (const r of rejected) context.logger.warn({ storeId, ...r }, 'webhook product rejected');

  const prepared =
    products.length + deleted.length > 0
      ? await prepareCatalogChanges(
          { db: context.db, inspector },
          storeId,
          { products, rejected: [], deleted },
          {
            runId: null,
            revalidateUnchanged: false,
          },
        )
      : null;
  for (const r of prepared?.rejected ?? [])
    context.logger.warn({ storeId, ...r }, 'webhook product rejected');
  if (prepared === null && !uninstalled) return;
  await withStoreEvents(context.outbox, storeId, async (trx, emit) => {
    if (prepared !== null) await commitCatalogChanges(trx, emit, storeId, prepared, null);
    // Its access token is void now: forget it; a running run finds its claim gone at its next page.
    if (uninstalled) await disconnectConnection(trx, storeId, 'The app was uninstalled from the store');
  });
}
