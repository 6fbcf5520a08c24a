import type { Emit } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import { sql } from 'kysely';
import { chunks } from '../../indexes/vector-feed.ts';
import type { SearchTransaction } from '../../search-context.ts';
import type { SearchTables } from '../../search-tables.ts';
import { detachFromRuns } from './indexing-runs.ts';

/*
 * `search.indexing_queue`: one row per product the worker must look at. Why it is there
 * is read from the product when it is processed, not stored with the row: a product
 * whose images changed (or whose store changed embedder) is embedded; any other is only
 * brought up to date in the vector index (a metadata change, a deletion: the durable
 * trigger for a shared index like Pinecone, which no query catches up).
 */

/**
 * - `embed`: images changed; counted in `runId`'s run (moved out of an older one).
 * - `refresh`: the product stays in whatever run it is in.
 * - `removed`: the product is gone; it leaves its run.
 */
export type QueueReason = 'embed' | 'refresh' | 'removed';

/** Returns how many of the products joined `runId`'s run (those already queued in it count once). */
export async function enqueueProducts(
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  productIds: readonly string[],
  reason: QueueReason,
  runId: string | null = null,
): Promise<number> {
  if (productIds.length === 0) return 0;
  const movesRun = reason === 'removed' || (reason === 'embed' && runId !== null);
  let joined = 0;
  for (const chunk of chunks(productIds)) {
    if (movesRun) {
      const queued = await trx
        .selectFrom('search.indexing_queue')
        .select('run_id')
        .where('store_id', '=', storeId)
        .where('product_id', 'in', chunk)
        .where('run_id', 'is not', null)
        .forUpdate()
        .execute();
      const leaving = queued.map((row) => row.run_id!).filter((id) => id !== runId);
      await detachFromRuns(trx, emit, storeId, leaving);
      if (runId !== null) joined += chunk.length - (queued.length - leaving.length);
    }
    await trx
      .insertInto('search.indexing_queue')
      .values(
        chunk.map((productId) => ({
          store_id: storeId,
          product_id: productId,
          run_id: reason === 'embed' ? runId : null,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['store_id', 'product_id']).doUpdateSet((eb) => ({
          run_id: movesRun ? eb.ref('excluded.run_id') : eb.ref('search.indexing_queue.run_id'),
          attempts: 0,
          last_error: null,
          not_before: sql<Date>`now()`,
          ticket: sql<string>`gen_random_uuid()`,
        })),
      )
      .execute();
  }
  return joined;
}

export interface QueueKey {
  storeId: string;
  productId: string;
}

/**
 * Claims due rows across stores (the SECURITY DEFINER function pushes their not_before
 * past the lease and counts the attempt); the work itself then runs scoped to each store.
 */
export async function claimWork(
  db: Database<SearchTables>,
  limit: number,
  leaseSeconds: number,
): Promise<QueueKey[]> {
  const { rows } = await sql<{ store_id: string; product_id: string }>`
    select store_id, product_id from search.claim_indexing_work(${limit}::integer, ${leaseSeconds}::integer)
  `.execute(db.kysely);
  return rows.map((row) => ({ storeId: row.store_id, productId: row.product_id }));
}

/** What a claim holds: valid while the row keeps this ticket and attempt count. */
export interface Ticket extends QueueKey {
  ticket: string;
  attempts: number;
  runId: string | null;
  lastError: string | null;
}

export async function readTicket(trx: SearchTransaction, key: QueueKey): Promise<Ticket | undefined> {
  const row = await trx
    .selectFrom('search.indexing_queue')
    .select(['ticket', 'attempts', 'run_id', 'last_error'])
    .where('store_id', '=', key.storeId)
    .where('product_id', '=', key.productId)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  return { ...key, ticket: row.ticket, attempts: row.attempts, runId: row.run_id, lastError: row.last_error };
}

const heldBy = (trx: SearchTransaction, ticket: Ticket) =>
  trx
    .selectFrom('search.indexing_queue')
    .select('ticket')
    .where('store_id', '=', ticket.storeId)
    .where('product_id', '=', ticket.productId)
    .where('ticket', '=', ticket.ticket)
    .where('attempts', '=', ticket.attempts);

/** Locks the row if the claim still holds it: nobody re-queued the product or claimed it again since. */
export async function stillHeld(trx: SearchTransaction, ticket: Ticket): Promise<boolean> {
  return (await heldBy(trx, ticket).forUpdate().executeTakeFirst()) !== undefined;
}

/**
 * The product is done for its run (counted in the same transaction): what is left of the
 * row until the vector index has caught up is a refresh, which a deletion or a new run
 * must not take out of the old run's total again.
 */
export async function leaveRun(trx: SearchTransaction, ticket: Ticket): Promise<void> {
  await trx
    .updateTable('search.indexing_queue')
    .set({ run_id: null })
    .where('store_id', '=', ticket.storeId)
    .where('product_id', '=', ticket.productId)
    .where('ticket', '=', ticket.ticket)
    .execute();
}

/** Work done: the row goes, unless the product was queued again meanwhile. */
export async function releaseTicket(trx: SearchTransaction, ticket: Ticket): Promise<void> {
  await trx
    .deleteFrom('search.indexing_queue')
    .where('store_id', '=', ticket.storeId)
    .where('product_id', '=', ticket.productId)
    .where('ticket', '=', ticket.ticket)
    .where('attempts', '=', ticket.attempts)
    .execute();
}

/**
 * A failed attempt that may succeed later: due again after `delayMs`, with its reason.
 * `countsAsAttempt: false` gives the claim back uncounted (a platform failure, not the
 * product's); the caller must not touch the row afterwards.
 */
export async function retryLater(
  trx: SearchTransaction,
  ticket: Ticket,
  reason: string,
  delayMs: number,
  countsAsAttempt = true,
): Promise<void> {
  await trx
    .updateTable('search.indexing_queue')
    .set((eb) => ({
      not_before: new Date(Date.now() + delayMs),
      last_error: reason,
      attempts: countsAsAttempt ? ticket.attempts : eb('attempts', '-', 1),
    }))
    .where('store_id', '=', ticket.storeId)
    .where('product_id', '=', ticket.productId)
    .where('ticket', '=', ticket.ticket)
    .where('attempts', '=', ticket.attempts)
    .execute();
}
