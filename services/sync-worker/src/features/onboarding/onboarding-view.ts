import type {
  OnboardingStage,
  OnboardingView,
  Platform,
  QualityReportView,
  SyncRunView,
} from '@nlyzer/contracts';
import type { Selectable } from 'kysely';
import type { OnboardingTable } from '../../catalog-tables.ts';

type OnboardingRow = Selectable<OnboardingTable>;

/** The percent each stage reaches when done; import and indexing move between their bounds. */
const DONE_PERCENT: Record<OnboardingStage, number> = {
  platform: 5,
  connect: 10,
  import: 50,
  indexing: 90,
  quality_report: 95,
  snippet: 98,
  completed: 100,
};

const share = (part: number, whole: number | null) =>
  whole === null || whole <= 0 ? 0 : Math.min(1, Math.max(0, part / whole));

/**
 * Where the store's onboarding stands: the first stage not done, and a percent for the
 * live progress bar (the import follows the run's products seen against those the
 * platform announced, the indexing the search service's progress).
 */
export function onboardingView(
  row: OnboardingRow | undefined,
  run: SyncRunView | null,
  quality: QualityReportView | null,
): OnboardingView {
  const imported =
    row?.imported_at != null || (run !== null && (run.phase === 'indexing' || run.phase === 'done'));
  const done: Record<OnboardingStage, boolean> = {
    platform: row?.platform_at != null,
    connect: row?.connected_at != null,
    import: imported,
    indexing: row?.indexed_at != null,
    quality_report: row?.quality_at != null,
    snippet: row?.widget_key_at != null,
    completed: row?.completed_at != null,
  };
  const stages = Object.keys(DONE_PERCENT) as OnboardingStage[];
  const stage = row?.completed_at != null ? 'completed' : (stages.find((s) => !done[s]) ?? 'completed');
  const index = stages.indexOf(stage);
  const before = index === 0 ? 0 : DONE_PERCENT[stages[index - 1]!];
  const span = DONE_PERCENT[stage] - before;
  const progress =
    stage === 'import' && run !== null
      ? share(run.counts.seen, run.expected)
      : stage === 'indexing' && run !== null
        ? share(run.indexing.indexed + run.indexing.failed, run.indexing.total)
        : 0;
  const percent = stage === 'completed' && done.completed ? 100 : Math.floor(before + span * progress);
  const iso = (at: Date | null | undefined) => (at == null ? null : new Date(at).toISOString());
  const connectedAt = row?.connected_at == null ? null : new Date(row.connected_at);
  const completedAt = row?.completed_at == null ? null : new Date(row.completed_at);
  return {
    stage,
    percent,
    platform: (row?.platform ?? null) as Platform | null,
    run,
    quality,
    widget_key_ready: done.snippet,
    started_at: iso(row?.platform_at ?? row?.connected_at),
    completed_at: iso(completedAt),
    duration_s:
      connectedAt === null || completedAt === null
        ? null
        : Math.max(0, (completedAt.getTime() - connectedAt.getTime()) / 1000),
  };
}
