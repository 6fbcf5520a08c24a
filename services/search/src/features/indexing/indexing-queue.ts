import type { Emit } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import { type ExpressionBuilder, sql } from 'kysely';
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

/** The tickets of several products of one store (those still queued), by product id. */
export async function readTickets(
  trx: SearchTransaction,
  storeId: string,
  productIds: readonly string[],
): Promise<Map<string, Ticket>> {
  const tickets = new Map<string, Ticket>();
  for (const chunk of chunks(productIds)) {
    const rows = await trx
      .selectFrom('search.indexing_queue')
      .select(['product_id', 'ticket', 'attempts', 'run_id', 'last_error'])
      .where('store_id', '=', storeId)
      .where('product_id', 'in', chunk)
      .execute();
    for (const row of rows) {
      tickets.set(row.product_id, {
        storeId,
        productId: row.product_id,
        ticket: row.ticket,
        attempts: row.attempts,
        runId: row.run_id,
        lastError: row.last_error,
      });
    }
  }
  return tickets;
}

/** Rows that still hold one of the tickets (same ticket and attempt count); one store's, at most a chunk. */
const holding =
  (tickets: readonly Ticket[]) => (eb: ExpressionBuilder<SearchTables, 'search.indexing_queue'>) =>
    eb(
      eb.refTuple('product_id', 'ticket', 'attempts'),
      'in',
      tickets.map((ticket) => eb.tuple(ticket.productId, ticket.ticket, ticket.attempts)),
    );

/** Three parameters a ticket: well below Postgres' 65535. */
const TICKET_CHUNK = 1000;

/**
 * Locks the rows the claims still hold and returns those tickets: the batch form of
 * `stillHeld`, run first by the transaction that writes a batch's results.
 */
export async function stillHeldTickets(
  trx: SearchTransaction,
  tickets: readonly Ticket[],
): Promise<Ticket[]> {
  const held = new Set<string>();
  for (const chunk of chunks(tickets, TICKET_CHUNK)) {
    const rows = await trx
      .selectFrom('search.indexing_queue')
      .select('product_id')
      .where('store_id', '=', chunk[0]!.storeId)
      .where(holding(chunk))
      .forUpdate()
      .execute();
    for (const row of rows) held.add(row.product_id);
  }
  return tickets.filter((ticket) => held.has(ticket.productId));
}

/** `leaveRun` for tickets of one store the transaction holds (see stillHeldTickets). */
export async function leaveRuns(trx: SearchTransaction, tickets: readonly Ticket[]): Promise<void> {
  for (const chunk of chunks(tickets, TICKET_CHUNK)) {
    await trx
      .updateTable('search.indexing_queue')
      .set({ run_id: null })
      .where('store_id', '=', chunk[0]!.storeId)
      .where(holding(chunk))
      .execute();
  }
}

/** `releaseTicket` for many tickets of one store. */
export async function releaseTickets(trx: SearchTransaction, tickets: readonly Ticket[]): Promise<void> {
  for (const chunk of chunks(tickets, TICKET_CHUNK)) {
    await trx
      .deleteFrom('search.indexing_queue')
      .where('store_id', '=', chunk[0]!.storeId)
      .where(holding(chunk))
      .execute();
  }
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
