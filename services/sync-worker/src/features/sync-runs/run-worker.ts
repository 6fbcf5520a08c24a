import { createWakeSignal } from '@nlyzer/service-kit';
import { processRun, type RunProcessorDeps } from './run-processor.ts';
import { claimRuns, type RunClaim } from './sync-run-store.ts';

export interface RunWorker {
  start(): void;
  /** A run was queued here: look now rather than at the next poll. */
  wake(): void;
  /** Stops claiming, gives back the runs in progress (they resume elsewhere or at the next start). */
  stop(): Promise<void>;
}

/**
 * Takes due sync runs off `catalog.sync_runs` across stores, `concurrency` at a time.
 * Any number of instances can run one: claims go through SKIP LOCKED and carry a lease.
 */
export function createRunWorker(
  deps: RunProcessorDeps,
  options: { concurrency: number; pollIntervalMs: number },
): RunWorker {
  const { logger, db } = deps.context;
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let running = false;
  let loop: Promise<void> | undefined;
  const wakeSignal = createWakeSignal();

  async function work(claim: RunClaim): Promise<void> {
    try {
      await processRun(deps, claim, stopping.signal);
    } catch (err) {
      // Settling the run itself failed (the database went away): its lease brings it back.
      logger.error({ err, ...claim }, 'sync run could not be settled');
    }
  }

  async function run(): Promise<void> {
    while (running) {
      const free = options.concurrency - inFlight.size;
      if (free > 0) {
        let claimed: RunClaim[] = [];
        try {
          claimed = await claimRuns(db, free, Math.ceil(deps.leaseMs / 1000));
        } catch (err) {
          logger.error({ err }, 'claiming sync runs failed');
        }
        for (const claim of claimed) {
          const task: Promise<void> = work(claim).finally(() => {
            inFlight.delete(task);
            wakeSignal.wake();
          });
          inFlight.add(task);
        }
        if (claimed.length === free) continue;
      }
      if (running) await wakeSignal.wait(options.pollIntervalMs);
    }
  }

  return {
    start() {
      if (running) return;
      running = true;
      loop = run();
    },
    wake: wakeSignal.wake,
    async stop() {
      running = false;
      stopping.abort();
      wakeSignal.wake();
      await loop;
      await Promise.all(inFlight);
    },
  };
}
