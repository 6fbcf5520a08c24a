import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import type { OnboardingView, SyncRunView } from '@nlyzer/contracts';
import cliProgress from 'cli-progress';
import { CliError } from './cli-error.ts';
import { writeLine } from './console-output.ts';
import type { GatewayClient } from './gateway-client.ts';

const STAGE_LABELS: Record<OnboardingView['stage'], string> = {
  platform: 'choosing the platform',
  connect: 'connecting the store',
  import: 'importing products',
  indexing: 'indexing images',
  quality_report: 'checking catalog quality',
  snippet: 'waiting for a widget key',
  completed: 'search is live',
};

/** "1,234/10,000 products · 56 failed" for the run behind a stage. */
export function runDetail(run: SyncRunView | null, stage: OnboardingView['stage']): string {
  if (run === null) return '';
  if (stage === 'indexing') {
    const { indexed, failed, total } = run.indexing;
    return `${indexed}/${total} indexed${failed ? ` · ${failed} failed` : ''}`;
  }
  const { seen, failed } = run.counts;
  const of = run.expected === null ? '' : `/${run.expected}`;
  return `${seen}${of} products${failed ? ` · ${failed} refused` : ''}`;
}

export interface ProgressView {
  percent: number;
  label: string;
  detail: string;
}

/** A bar on a terminal; otherwise one line per stage and per tenth of the way (logs, CI). */
function createProgressDisplay(stream: Writable): { update(view: ProgressView): void; stop(): void } {
  if ((stream as NodeJS.WriteStream).isTTY !== true) {
    let last = '';
    return {
      update({ percent, label, detail }) {
        const key = `${label}:${Math.floor(percent / 10)}`;
        if (key === last) return;
        last = key;
        writeLine(stream, `${String(percent).padStart(3)}%  ${label}${detail ? `  (${detail})` : ''}`);
      },
      stop() {},
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: stream as NodeJS.WriteStream,
      format: ' {bar} {value}%  {label}  {detail}',
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { label: '', detail: '' });
  return {
    update: ({ percent, label, detail }) => bar.update(percent, { label, detail }),
    stop: () => bar.stop(),
  };
}

export interface FollowOptions {
  pollMs?: number;
  /** Give up when nothing moves for this long. */
  stallMs?: number;
}

/**
 * Polls something until it is done, showing its progress: the onboarding
 * (`GET /v1/onboarding`) or one sync run. `read` turns the API's answer into a view and says
 * whether it is finished; a failure it reports ends the wait with that message.
 */
export async function followProgress<T>(
  client: GatewayClient,
  path: string,
  read: (body: T) => ProgressView & { done: boolean; failure?: string },
  stream: Writable,
  options: FollowOptions = {},
): Promise<T> {
  const { pollMs = 500, stallMs = 10 * 60_000 } = options;
  const display = createProgressDisplay(stream);
  let lastChange = Date.now();
  let lastKey = '';
  try {
    for (;;) {
      const body = await client.get<T>(path);
      const view = read(body);
      display.update(view);
      if (view.failure) throw new CliError('onboarding_failed', view.failure);
      if (view.done) return body;
      const key = `${view.percent}:${view.detail}`;
      if (key !== lastKey) {
        lastKey = key;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > stallMs) {
        throw new CliError(
          'onboarding_failed',
          `no progress for ${Math.round(stallMs / 1000)} s at: ${view.label}`,
        );
      }
      await sleep(pollMs);
    }
  } finally {
    display.stop();
  }
}

export function onboardingProgress(view: OnboardingView): ProgressView & { done: boolean; failure?: string } {
  const failed = view.run?.state === 'failed' && view.stage === 'import';
  return {
    percent: view.percent,
    label: STAGE_LABELS[view.stage],
    detail: runDetail(view.run, view.stage),
    // Waiting for a widget key is the merchant's step, not the platform's: the import is done.
    done: view.stage === 'completed' || view.stage === 'snippet',
    ...(failed ? { failure: `the import failed: ${view.run?.error?.message ?? 'see the run log'}` } : {}),
  };
}
