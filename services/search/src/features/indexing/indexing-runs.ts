import type { Emit } from '@nlyzer/bus';
import type { IndexingRunView } from '@nlyzer/contracts';
import type { Selectable } from 'kysely';
import type { SearchTransaction } from '../../search-context.ts';
import type { IndexingRunsTable } from '../../search-tables.ts';

/*
 * A run is one batch of indexing work (a catalog API call, a sync run's changes, a
 * re-index) with counters: `total` products queued for embedding, `indexed` and `failed`
 * so far. It finishes when every queued product is done; a product moved to a newer run
 * before it was done leaves the old run's total. Progress goes out as
 * `catalog.indexing_progress`: the final state of a run always, in-between states when
 * the caller's throttle allows.
 */

export type RunSource = IndexingRunsTable['source'];
export type RunRow = Selectable<IndexingRunsTable>;

/** Whether an in-between progress event of the run may go out now; final ones always do. */
export type ProgressThrottle = (runId: string) => boolean;

export const finalOnly: ProgressThrottle = () => false;

/** Adds `queued` products to the run, creating it on first use (a sync run spans several events). */
export async function addToRun(
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  run: { runId: string; source: RunSource },
  queued: number,
): Promise<void> {
  await trx
    .insertInto('search.indexing_runs')
    .values({ store_id: storeId, run_id: run.runId, source: run.source, total: queued })
    .onConflict((oc) =>
      oc.columns(['store_id', 'run_id']).doUpdateSet((eb) => ({
        total: eb('search.indexing_runs.total', '+', queued),
      })),
    )
    .execute();
  await settleRun(trx, emit, storeId, run.runId, finalOnly);
}

/** Products that left their runs before being done (moved to a newer run, or deleted). */
export async function detachFromRuns(
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  runIds: readonly string[],
): Promise<void> {
  const counts = new Map<string, number>();
  for (const runId of runIds) counts.set(runId, (counts.get(runId) ?? 0) + 1);
  for (const [runId, count] of counts) {
    await trx
      .updateTable('search.indexing_runs')
      .set((eb) => ({ total: eb('total', '-', count) }))
      .where('store_id', '=', storeId)
      .where('run_id', '=', runId)
      .execute();
    await settleRun(trx, emit, storeId, runId, finalOnly);
  }
}

/** Counts queued products of the run as indexed or failed. */
export async function countOutcomes(
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  runId: string,
  outcomes: { indexed: number; failed: number },
  throttle: ProgressThrottle,
): Promise<void> {
  await trx
    .updateTable('search.indexing_runs')
    .set((eb) => ({
      indexed: eb('indexed', '+', outcomes.indexed),
      failed: eb('failed', '+', outcomes.failed),
    }))
    .where('store_id', '=', storeId)
    .where('run_id', '=', runId)
    .execute();
  await settleRun(trx, emit, storeId, runId, throttle);
}

/** Marks the run finished (or open again) to match its counters, and reports progress. */
async function settleRun(
  trx: SearchTransaction,
  emit: Emit,
  storeId: string,
  runId: string,
  throttle: ProgressThrottle,
): Promise<void> {
  const run = await trx
    .selectFrom('search.indexing_runs')
    .selectAll()
    .where('store_id', '=', storeId)
    .where('run_id', '=', runId)
    .forUpdate()
    .executeTakeFirst();
  if (run === undefined) return;
  const done = run.indexed + run.failed >= run.total;
  if (done !== (run.finished_at !== null)) {
    await trx
      .updateTable('search.indexing_runs')
      .set({ finished_at: done ? new Date() : null })
      .where('store_id', '=', storeId)
      .where('run_id', '=', runId)
      .execute();
  }
  const justFinished = done && run.finished_at === null;
  if (justFinished || (!done && throttle(runId))) {
    await emit('catalog.indexing_progress', {
      store_id: storeId,
      run_id: runId,
      indexed: run.indexed,
      total: run.total,
      failed: run.failed,
    });
  }
}

/** At most one in-between progress event per run per interval (per instance). */
export function intervalThrottle(intervalMs = 1000): ProgressThrottle {
  const last = new Map<string, number>();
  return (runId) => {
    const now = Date.now();
    if (now - (last.get(runId) ?? 0) < intervalMs) return false;
    last.set(runId, now);
    // Runs come and go; forget the ones quiet for a while so the map stays small.
    if (last.size > 1000) for (const [id, at] of last) if (now - at > 60_000) last.delete(id);
    return true;
  };
}

export function runView(run: RunRow): IndexingRunView {
  const done = run.indexed + run.failed;
  return {
    run_id: run.run_id,
    source: run.source,
    total: run.total,
    indexed: run.indexed,
    failed: run.failed,
    percent: run.total === 0 ? 100 : Math.min(100, Math.round((1000 * done) / run.total) / 10),
    created_at: run.created_at.toISOString(),
    finished_at: run.finished_at?.toISOString() ?? null,
  };
}
