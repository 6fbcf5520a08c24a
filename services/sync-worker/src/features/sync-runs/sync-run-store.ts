import type { Emit } from '@nlyzer/bus';
import { SYNC_LIMITS, type SyncErrorCode, type SyncRunView } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { type Selectable, sql } from 'kysely';
import type { CatalogTables, SyncRunsTable } from '../../catalog-tables.ts';
import type { CatalogTransaction } from '../../sync-context.ts';

export type SyncRunRow = Selectable<SyncRunsTable>;
export type SyncMode = SyncRunsTable['mode'];
export type SyncTrigger = SyncRunsTable['trigger'];

export interface QueueRunRequest {
  storeId: string;
  trigger: SyncTrigger;
  mode: SyncMode;
}

/**
 * Queues a run in the caller's transaction, unless the store already has one queued or
 * running (the partial unique index keeps it to one): that one is returned instead.
 */
export async function queueRun(
  trx: CatalogTransaction,
  _emit: Emit,
  request: QueueRunRequest,
): Promise<{ runId: string; created: boolean }> {
  const inserted = await trx
    .insertInto('catalog.sync_runs')
    .values({
      id: crypto.randomUUID(),
      store_id: request.storeId,
      trigger: request.trigger,
      mode: request.mode,
    })
    .onConflict((oc) => oc.column('store_id').where('state', 'in', ['queued', 'running']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted !== undefined) return { runId: inserted.id, created: true };
  const active = await trx
    .selectFrom('catalog.sync_runs')
    .select('id')
    .where('store_id', '=', request.storeId)
    .where('state', 'in', ['queued', 'running'])
    .executeTakeFirstOrThrow();
  return { runId: active.id, created: false };
}

export function readRun(trx: CatalogTransaction, storeId: string, runId: string) {
  return trx
    .selectFrom('catalog.sync_runs')
    .selectAll()
    .where('store_id', '=', storeId)
    .where('id', '=', runId)
    .executeTakeFirst();
}

/** What one claim of a run holds: valid while the run is running with this attempt count. */
export interface RunClaim {
  storeId: string;
  runId: string;
  attempts: number;
}

/** Claims due runs across stores (see catalog.claim_sync_runs). */
export async function claimRuns(
  db: Database<CatalogTables>,
  limit: number,
  leaseSeconds: number,
): Promise<RunClaim[]> {
  const { rows } = await sql<{ store_id: string; run_id: string; attempts: number }>`
    select store_id, run_id, attempts from catalog.claim_sync_runs(${limit}::integer, ${leaseSeconds}::integer)
  `.execute(db.kysely);
  return rows.map((row) => ({ storeId: row.store_id, runId: row.run_id, attempts: row.attempts }));
}

/** Locks the run if the claim still holds it: not cancelled, not claimed again after a lost lease. */
export function lockHeldRun(trx: CatalogTransaction, claim: RunClaim) {
  return trx
    .selectFrom('catalog.sync_runs')
    .selectAll()
    .where('store_id', '=', claim.storeId)
    .where('id', '=', claim.runId)
    .where('attempts', '=', claim.attempts)
    .where('state', '=', 'running')
    .forUpdate()
    .executeTakeFirst();
}

export const heldRun = (claim: RunClaim) => (trx: CatalogTransaction) =>
  trx
    .updateTable('catalog.sync_runs')
    .where('store_id', '=', claim.storeId)
    .where('id', '=', claim.runId)
    .where('attempts', '=', claim.attempts)
    .where('state', '=', 'running');

export interface RunLogEntry {
  externalId: string | null;
  level: 'error' | 'warning';
  code: string;
  message: string;
}

/** Appends to the run's log up to SYNC_LIMITS.logEntriesPerRun entries (the counters stay exact beyond). */
export async function appendRunLog(
  trx: CatalogTransaction,
  storeId: string,
  runId: string,
  entries: readonly RunLogEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const { logged } = await trx
    .selectFrom('catalog.sync_run_log')
    .select((eb) => eb.fn.countAll<string | number>().as('logged'))
    .where('store_id', '=', storeId)
    .where('run_id', '=', runId)
    .executeTakeFirstOrThrow();
  const room = SYNC_LIMITS.logEntriesPerRun - Number(logged);
  if (room <= 0) return;
  const rows = entries.slice(0, room).map((entry) => ({
    external_id: entry.externalId?.slice(0, 255) ?? null,
    level: entry.level,
    code: entry.code.slice(0, 100),
    message: entry.message.slice(0, 2000),
  }));
  // One JSON parameter however many entries (see catalog-store's writes).
  await sql`
    insert into catalog.sync_run_log (store_id, run_id, external_id, level, code, message)
    select ${storeId}::uuid, ${runId}::uuid, x.external_id, x.level, x.code, x.message
    from rows from (
      jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as (external_id text, level text, code text, message text)
    ) with ordinality as x(external_id, level, code, message, n)
    order by x.n
  `.execute(trx);
}

export function errorRate(run: Pick<SyncRunRow, 'failed' | 'seen'>): number {
  return run.seen === 0 ? 0 : Math.min(1, run.failed / run.seen);
}

/** Indexing is over when search reports every product it was handed as indexed or failed. */
export function indexingDone(
  run: Pick<SyncRunRow, 'indexing_expected'>,
  progress: { indexed: number; failed: number; total: number },
): boolean {
  return progress.total >= run.indexing_expected && progress.indexed + progress.failed >= progress.total;
}

export function runView(run: SyncRunRow): SyncRunView {
  const iso = (date: Date | null) => (date === null ? null : new Date(date).toISOString());
  return {
    id: run.id,
    trigger: run.trigger,
    mode: run.mode,
    state: run.state,
    phase: run.phase,
    expected: run.expected,
    counts: {
      seen: run.seen,
      added: run.added,
      updated: run.updated,
      unchanged: run.unchanged,
      deleted: run.deleted,
      failed: run.failed,
      images_fetched: run.images_fetched,
      images_failed: run.images_failed,
    },
    error_rate: errorRate(run),
    indexing: { indexed: run.indexing_indexed, failed: run.indexing_failed, total: run.indexing_total },
    attempts: run.attempts,
    error:
      run.error_code === null
        ? null
        : { code: run.error_code as SyncErrorCode, message: run.error_message ?? '' },
    queued_at: new Date(run.queued_at).toISOString(),
    started_at: iso(run.started_at),
    finished_at: iso(run.finished_at),
    duration_ms:
      run.started_at === null || run.finished_at === null
        ? null
        : Math.max(0, new Date(run.finished_at).getTime() - new Date(run.started_at).getTime()),
  };
}
