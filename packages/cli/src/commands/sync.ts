import type { SyncRunList, SyncRunView } from '@nlyzer/contracts';
import type { Env } from '@nlyzer/service-kit';
import { type CommandIo, formatColumns, writeLine } from '../runtime/console-output.ts';
import { createGatewayClient, type GatewayClientOptions } from '../runtime/gateway-client.ts';
import { followProgress, runDetail } from '../runtime/onboarding-progress.ts';

/** How far a run is, as a share of its work: fetching counts for half, indexing for the rest. */
export function runPercent(run: SyncRunView): number {
  if (run.state === 'succeeded' && run.phase === 'done') return 100;
  const fetched = run.expected
    ? Math.min(1, run.counts.seen / run.expected)
    : run.phase === 'queued'
      ? 0
      : 0.5;
  const fetchShare = run.phase === 'fetching' || run.phase === 'queued' ? fetched : 1;
  const { indexed, failed, total } = run.indexing;
  const indexShare =
    run.phase === 'indexing' && total > 0 ? (indexed + failed) / total : run.phase === 'done' ? 1 : 0;
  return Math.round(50 * fetchShare + 50 * indexShare);
}

/** `nlyzer sync now [--full]`: starts a run ("Sync now") and follows it until indexed. */
export async function syncNowCommand(
  options: GatewayClientOptions & { full?: boolean; wait: boolean },
  env: Env,
  io: CommandIo,
): Promise<number> {
  const client = createGatewayClient(options, env);
  const run = await client.send<SyncRunView>('POST', '/v1/sync/runs', {
    mode: options.full ? 'full' : 'incremental',
  });
  writeLine(io.stdout, `sync run ${run.id} (${run.mode}) ${run.state}`);
  if (!options.wait) return 0;
  const started = Date.now();
  const done = await followProgress<SyncRunView>(
    client,
    `/v1/sync/runs/${run.id}`,
    (view) => ({
      percent: runPercent(view),
      label: view.phase,
      detail: runDetail(view, view.phase === 'indexing' ? 'indexing' : 'import'),
      done: view.phase === 'done' || view.state === 'failed' || view.state === 'cancelled',
    }),
    io.stderr,
  );
  const { added, updated, deleted, unchanged, failed } = done.counts;
  writeLine(
    io.stdout,
    `${done.state} in ${((Date.now() - started) / 1000).toFixed(1)} s: ${added} added, ${updated} updated, ` +
      `${deleted} deleted, ${unchanged} unchanged, ${failed} refused`,
  );
  return done.state === 'failed' ? 1 : 0;
}

/** `nlyzer sync runs`: the store's recent runs. */
export async function syncRunsCommand(
  options: GatewayClientOptions,
  env: Env,
  io: CommandIo,
): Promise<number> {
  const client = createGatewayClient(options, env);
  const { runs } = await client.get<SyncRunList>('/v1/sync/runs');
  const rows = [
    ['RUN', 'TRIGGER', 'MODE', 'STATE', 'SEEN', 'ADDED', 'UPDATED', 'DELETED', 'FAILED', 'QUEUED AT'],
    ...runs.map((run) => [
      run.id.slice(0, 8),
      run.trigger,
      run.mode,
      run.phase === 'indexing' ? 'indexing' : run.state,
      String(run.counts.seen),
      String(run.counts.added),
      String(run.counts.updated),
      String(run.counts.deleted),
      String(run.counts.failed),
      run.queued_at,
    ]),
  ];
  for (const line of formatColumns(rows)) writeLine(io.stdout, line);
  return 0;
}
