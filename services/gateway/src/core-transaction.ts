import type { Emit, Outbox } from '@nlyzer/bus';
import type { Transaction } from 'kysely';
import type { CoreTables } from './core-tables.ts';

export type CoreTransaction = Transaction<CoreTables>;

/** `outbox.withStore` with the transaction typed for the core schema: a change and its events commit together. */
export function withStoreEvents<R>(
  outbox: Outbox,
  storeId: string,
  fn: (trx: CoreTransaction, emit: Emit) => Promise<R>,
): Promise<R> {
  return outbox.withStore(storeId, (trx, emit) => fn(trx as CoreTransaction, emit));
}
