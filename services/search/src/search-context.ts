import type { Emit, Outbox } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import type { Logger } from '@nlyzer/service-kit';
import type { Transaction } from 'kysely';
import type { SearchConfig } from './config.ts';
import type { EmbedderRegistry } from './indexes/embedder-registry.ts';
import type { VectorIndexes } from './indexes/vector-indexes.ts';
import type { SearchTables } from './search-tables.ts';

export type SearchTransaction = Transaction<SearchTables>;

/** What every feature of the search service is built from; tests swap any part. */
export interface SearchContext {
  config: SearchConfig;
  db: Database<SearchTables>;
  outbox: Outbox;
  logger: Logger;
  embedders: EmbedderRegistry;
  indexes: VectorIndexes;
}

/** `outbox.withStore` with the transaction typed for the search schema: a change and its events commit together. */
export function withStoreEvents<R>(
  outbox: Outbox,
  storeId: string,
  fn: (trx: SearchTransaction, emit: Emit) => Promise<R>,
): Promise<R> {
  return outbox.withStore(storeId, (trx, emit) => fn(trx as SearchTransaction, emit));
}
