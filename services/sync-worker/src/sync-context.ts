import type { Emit, Outbox } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import type { Logger } from '@nlyzer/service-kit';
import type { Transaction } from 'kysely';
import type { CatalogTables } from './catalog-tables.ts';
import type { SyncWorkerConfig } from './config.ts';

export type CatalogTransaction = Transaction<CatalogTables>;

/** What every feature of the sync worker is built from; tests swap any part. */
export interface SyncContext {
  config: SyncWorkerConfig;
  db: Database<CatalogTables>;
  outbox: Outbox;
  logger: Logger;
}

/** `outbox.withStore` with the transaction typed for the catalog schema: a change and its events commit together. */
export function withStoreEvents<R>(
  outbox: Outbox,
  storeId: string,
  fn: (trx: CatalogTransaction, emit: Emit) => Promise<R>,
): Promise<R> {
  return outbox.withStore(storeId, (trx, emit) => fn(trx as CatalogTransaction, emit));
}
