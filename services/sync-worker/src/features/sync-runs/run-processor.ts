import type { Emit } from '@nlyzer/bus';
import { type CatalogConnector, isConnectorError, type ProductPage } from '@nlyzer/connectors';
import { SYNC_LIMITS, type SyncErrorCode } from '@nlyzer/contracts';
import { sql } from 'kysely';
import { type CatalogTransaction, type SyncContext, withStoreEvents } from '../../sync-context.ts';
import type { CatalogImageInspector } from '../catalog-images/catalog-image-inspector.ts';
import {
  commitCatalogChanges,
  emitProductsChanged,
  type PreparedChanges,
  prepareCatalogChanges,
} from '../catalog-products/catalog-changes.ts';
import { deleteUnseenProducts } from '../catalog-products/catalog-store.ts';
import { recomputeQualityReport } from '../quality-report/quality-report.ts';
import {
  appendRunLog,
  errorRate,
  heldRun,
  indexingDone,
  lockHeldRun,
  type RunClaim,
  type SyncRunRow,
  type SyncTrigger,
} from './sync-run-store.ts';

export interface SyncRunHooks {
  connectorFor(storeId: string): Promise<CatalogConnector>;
  /** The run's products are all indexed by search (called once, in the transaction that says so). */
  onRunIndexed(
    trx: CatalogTransaction,
    emit: Emit,
    run: { id: string; storeId: string; trigger: SyncTrigger },
  ): Promise<void>;
}

export interface RunProcessorDeps {
  context: SyncContext;
  inspector: CatalogImageInspector;
  hooks: SyncRunHooks;
  leaseMs: number;
  retryBaseMs: number;
  maxAttempts: number;
}

/** The claim was lost (lease expired and another worker took the run, or the run was cancelled). */
class LostClaim extends Error {
  override readonly name = 'LostClaim';
}

const MAX_RETRY_DELAY_MS = 10 * 60_000;
const leaseInterval = (ms: number) => sql<Date>`now() + ${`${ms} milliseconds`}::interval`;

/**
 * Runs one claimed sync run to its end: fetches pages from where the last committed page
 * left off, commits each page (catalog rows, run counters, cursor and events together),
 * then finishes the run. A crash anywhere leaves the run to be claimed again once its
 * lease expires, resuming at the last committed cursor; a stop (app closing) gives the
 * claim back at once without counting the attempt.
 */
export async function processRun(
  deps: RunProcessorDeps,
  claim: RunClaim,
  signal: AbortSignal,
): Promise<void> {
  const { context, leaseMs } = deps;
  const { db, logger } = context;
  const renew = setInterval(
    () => {
      db.withStore(claim.storeId, (trx) =>
        heldRun(claim)(trx)
          .set({ lease_until: leaseInterval(leaseMs) })
          .execute(),
      ).catch((err: unknown) => logger.warn({ err, ...claim }, 'renewing a sync run lease failed'));
    },
    Math.max(50, Math.floor(leaseMs / 3)),
  );
  try {
    await runToEnd(deps, claim, signal);
  } catch (err) {
    await settleFailure(deps, claim, signal, err);
  } finally {
    clearInterval(renew);
  }
}

async function runToEnd(deps: RunProcessorDeps, claim: RunClaim, signal: AbortSignal): Promise<void> {
  const { context } = deps;
  const { storeId } = claim;
  let run = await context.db.withStore(storeId, (trx) => lockHeldRun(trx, claim));
  if (run === undefined) throw new LostClaim();
  if (run.attempts > deps.maxAttempts) {
    await failRun(
      deps,
      claim,
      (run.error_code as SyncErrorCode | null) ?? 'internal',
      run.error_message ?? `Gave up after ${deps.maxAttempts} attempts`,
    );
    return;
  }
  if (run.phase === 'queued') run = await startFetching(deps, claim, run);
  if (run.phase === 'fetching') {
    const connector = await deps.hooks.connectorFor(storeId);
    const pages = connector.fetchProducts({
      mode: run.mode,
      since: run.since === null ? null : new Date(run.since),
      cursor: run.cursor,
      signal,
    });
    // A page is fetched and prepared (its images inspected) while the one before commits;
    // commits stay in page order. A page naming a product of the page still committing
    // waits for that commit, so its diff reads what the run itself wrote.
    const inFlight: { commit: Promise<void> | null; ids: ReadonlySet<string> } = {
      commit: null,
      ids: new Set(),
    };
    const settleCommit = async () => {
      const { commit } = inFlight;
      inFlight.commit = null;
      await commit;
    };
    try {
      for await (const page of pages) {
        signal.throwIfAborted();
        const ids = new Set([...page.products, ...page.deleted].map((p) => p.externalId));
        if ([...ids].some((id) => inFlight.ids.has(id))) await settleCommit();
        const prepared = await prepareCatalogChanges(
          { db: context.db, inspector: deps.inspector },
          storeId,
          page,
          {
            runId: claim.runId,
            revalidateUnchanged: run.mode === 'full',
            signal,
          },
        );
        await settleCommit();
        signal.throwIfAborted();
        const commit = commitPage(deps, claim, page, prepared);
        // Awaited before the next commit or below; meanwhile a failure must not count as unhandled.
        commit.catch(() => {});
        inFlight.commit = commit;
        inFlight.ids = ids;
      }
      await settleCommit();
    } finally {
      // A failure while a commit was in flight settles the run only once that commit has ended.
      await inFlight.commit?.catch(() => {});
      await connector.close();
    }
    signal.throwIfAborted();
  }
  await finishRun(deps, claim);
}

/** First claim: the incremental lower bound is fixed now, so a resumed run asks for the same range. */
async function startFetching(deps: RunProcessorDeps, claim: RunClaim, run: SyncRunRow): Promise<SyncRunRow> {
  return deps.context.db.withStore(claim.storeId, async (trx) => {
    let since: Date | null = null;
    if (run.mode === 'incremental') {
      const connection = await trx
        .selectFrom('catalog.connections')
        .select('synced_through')
        .where('store_id', '=', claim.storeId)
        .executeTakeFirst();
      since = connection?.synced_through ?? null;
    }
    const updated = await heldRun(claim)(trx)
      .set({ phase: 'fetching', since })
      .returningAll()
      .executeTakeFirst();
    if (updated === undefined) throw new LostClaim();
    return updated;
  });
}

async function commitPage(
  deps: RunProcessorDeps,
  claim: RunClaim,
  page: ProductPage,
  prepared: PreparedChanges,
): Promise<void> {
  const { storeId, runId } = claim;
  await withStoreEvents(deps.context.outbox, storeId, async (trx, emit) => {
    if ((await lockHeldRun(trx, claim)) === undefined) throw new LostClaim();
    const { removed, embedsForRun } = await commitCatalogChanges(trx, emit, storeId, prepared, runId);
    await appendRunLog(trx, storeId, runId, [
      ...prepared.rejected.map((r) => ({
        externalId: r.externalId,
        level: 'error' as const,
        code: r.code,
        message: r.message,
      })),
      ...prepared.warnings.map((w) => ({ ...w, level: 'warning' as const })),
    ]);
    const { counts } = prepared;
    await heldRun(claim)(trx)
      .set((eb) => ({
        seen: eb('seen', '+', counts.seen),
        added: eb('added', '+', counts.added),
        updated: eb('updated', '+', counts.updated),
        unchanged: eb('unchanged', '+', counts.unchanged),
        failed: eb('failed', '+', counts.failed),
        deleted: eb('deleted', '+', removed.length),
        images_fetched: eb('images_fetched', '+', counts.imagesFetched),
        images_failed: eb('images_failed', '+', counts.imagesFailed),
        indexing_expected: eb('indexing_expected', '+', embedsForRun),
        expected: page.total ?? eb.ref('expected'),
        max_source_updated_at:
          prepared.maxUpdatedAt === null
            ? eb.ref('max_source_updated_at')
            : eb.fn('greatest', [eb.ref('max_source_updated_at'), eb.val(prepared.maxUpdatedAt)]),
        cursor: page.cursor,
        // The last page: a crash from here on finishes the run rather than fetching again.
        phase: page.cursor === null ? 'finishing' : 'fetching',
        lease_until: leaseInterval(deps.leaseMs),
      }))
      .execute();
  });
}

/**
 * Ends a run that fetched everything: a full sync deletes what it did not see (unless the
 * run failed its error rate: a platform answering garbage must not empty the catalog),
 * the connection's schedule and high-water mark move on, the quality report is
 * recomputed, and the outcome goes out. Indexing is over already when nothing went to
 * search for embedding, or search reported it all before this point.
 */
async function finishRun(deps: RunProcessorDeps, claim: RunClaim): Promise<void> {
  const { storeId, runId } = claim;
  await withStoreEvents(deps.context.outbox, storeId, async (trx, emit) => {
    const run = await lockHeldRun(trx, claim);
    if (run === undefined) throw new LostClaim();
    const rate = errorRate(run);
    const failed = rate > SYNC_LIMITS.maxErrorRate;
    const removed =
      run.mode === 'full' && !failed
        ? await deleteUnseenProducts(trx, storeId, runId, run.started_at ?? run.queued_at)
        : [];
    await emitProductsChanged(emit, storeId, runId, [], removed);
    const indexed = indexingDone(run, {
      indexed: run.indexing_indexed,
      failed: run.indexing_failed,
      total: run.indexing_total,
    });
    const error = failed
      ? {
          code: 'error_rate_exceeded' as const,
          message: `${run.failed} of ${run.seen} products failed (${(rate * 100).toFixed(1)}%, the limit is ${SYNC_LIMITS.maxErrorRate * 100}%)`,
        }
      : null;
    const finished = await heldRun(claim)(trx)
      .set((eb) => ({
        state: failed ? 'failed' : 'succeeded',
        phase: indexed ? 'done' : 'indexing',
        deleted: eb('deleted', '+', removed.length),
        finished_at: new Date(),
        lease_until: null,
        error_code: error?.code ?? null,
        error_message: error?.message ?? null,
      }))
      .returningAll()
      .executeTakeFirstOrThrow();
    await advanceSchedule(trx, storeId, failed ? null : finished.max_source_updated_at, !failed);
    await recomputeQualityReport(trx, storeId, runId);
    const counts = {
      added: finished.added,
      updated: finished.updated,
      deleted: finished.deleted,
      failed: finished.failed,
    };
    if (error === null) {
      await emit('catalog.sync_completed', {
        store_id: storeId,
        run_id: runId,
        trigger: finished.trigger,
        counts,
        duration_ms: finished.finished_at!.getTime() - (finished.started_at ?? finished.queued_at).getTime(),
      });
    } else {
      await emit('catalog.sync_failed', {
        store_id: storeId,
        run_id: runId,
        trigger: finished.trigger,
        error,
        error_rate: rate,
        counts,
      });
    }
    if (indexed) await deps.hooks.onRunIndexed(trx, emit, { id: runId, storeId, trigger: finished.trigger });
  });
}

/** The next scheduled sync is an interval from now; a successful run also moves the incremental high-water mark. */
async function advanceSchedule(
  trx: CatalogTransaction,
  storeId: string,
  syncedThrough: Date | null,
  succeeded: boolean,
): Promise<void> {
  const now = new Date();
  await trx
    .updateTable('catalog.connections')
    .set((eb) => ({
      next_sync_at: sql<Date>`${now}::timestamptz + make_interval(mins => sync_interval_minutes)`,
      ...(succeeded ? { last_synced_at: now } : {}),
      ...(syncedThrough === null
        ? {}
        : { synced_through: eb.fn('greatest', [eb.ref('synced_through'), eb.val(syncedThrough)]) }),
      updated_at: now,
    }))
    .where('store_id', '=', storeId)
    .execute();
}

async function settleFailure(
  deps: RunProcessorDeps,
  claim: RunClaim,
  signal: AbortSignal,
  err: unknown,
): Promise<void> {
  const { logger, db } = deps.context;
  if (err instanceof LostClaim) {
    logger.info({ ...claim }, 'sync run claim lost; another worker or a cancellation took it');
    return;
  }
  if (signal.aborted) {
    // Stopping, not failing: the run is due again at once and the attempt does not count.
    await db.withStore(claim.storeId, (trx) =>
      heldRun(claim)(trx)
        .set((eb) => ({
          state: 'queued',
          attempts: eb('attempts', '-', 1),
          lease_until: null,
          not_before: new Date(),
        }))
        .execute(),
    );
    return;
  }
  const code: SyncErrorCode = isConnectorError(err) ? err.code : 'internal';
  const message = err instanceof Error ? err.message : String(err);
  // Unknown errors (a database hiccup, a bug) get the same bounded retries as a platform outage.
  const retryable = isConnectorError(err) ? err.retryable : true;
  if (retryable && claim.attempts < deps.maxAttempts) {
    const ceiling = Math.min(MAX_RETRY_DELAY_MS, deps.retryBaseMs * 2 ** (claim.attempts - 1));
    const delayMs = ceiling / 2 + Math.random() * (ceiling / 2);
    logger.warn({ err, ...claim, code, delayMs }, 'sync run failed; retrying later');
    await db.withStore(claim.storeId, (trx) =>
      heldRun(claim)(trx)
        .set({
          state: 'queued',
          lease_until: null,
          not_before: new Date(Date.now() + delayMs),
          error_code: code,
          error_message: message.slice(0, 2000),
        })
        .execute(),
    );
    return;
  }
  logger.error({ err, ...claim, code }, 'sync run failed');
  await failRun(deps, claim, code, message);
}

/** A run that cannot go on: what it committed stays (and is indexed), the rest waits for the next sync. */
async function failRun(
  deps: RunProcessorDeps,
  claim: RunClaim,
  code: SyncErrorCode,
  message: string,
): Promise<void> {
  const { storeId, runId } = claim;
  await withStoreEvents(deps.context.outbox, storeId, async (trx, emit) => {
    const failed = await heldRun(claim)(trx)
      .set({
        state: 'failed',
        phase: 'done',
        finished_at: new Date(),
        lease_until: null,
        error_code: code,
        error_message: message.slice(0, 2000),
      })
      .returningAll()
      .executeTakeFirst();
    if (failed === undefined) return;
    await advanceSchedule(trx, storeId, null, false);
    await recomputeQualityReport(trx, storeId, runId);
    await emit('catalog.sync_failed', {
      store_id: storeId,
      run_id: runId,
      trigger: failed.trigger,
      error: { code, message: message.slice(0, 2000) },
      error_rate: errorRate(failed),
      counts: {
        added: failed.added,
        updated: failed.updated,
        deleted: failed.deleted,
        failed: failed.failed,
      },
    });
  });
}

/** For the indexing-progress handler: a run whose indexing is over moves to done and tells the hook, once. */
export async function completeIndexing(
  trx: CatalogTransaction,
  emit: Emit,
  hooks: SyncRunHooks,
  run: SyncRunRow,
): Promise<void> {
  const done = await trx
    .updateTable('catalog.sync_runs')
    .set({ phase: 'done' })
    .where('store_id', '=', run.store_id)
    .where('id', '=', run.id)
    .where('phase', '=', 'indexing')
    .returning('id')
    .executeTakeFirst();
  if (done !== undefined)
    await hooks.onRunIndexed(trx, emit, { id: run.id, storeId: run.store_id, trigger: run.trigger });
}
