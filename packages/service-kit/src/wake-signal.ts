export interface WakeSignal {
  /** Ends the current wait now; with no wait under way, the next one ends at once. */
  wake(): void;
  /** Resolves after `timeoutMs`, or earlier when woken. */
  wait(timeoutMs: number): Promise<void>;
}

/**
 * The pause of a polling worker that new work can cut short (a queued run, a finished
 * task freeing a slot). A wake-up that comes while the worker is busy is kept, so work
 * queued between a poll and the next wait is never left for a whole interval.
 */
export function createWakeSignal(): WakeSignal {
  let resolveWait: (() => void) | undefined;
  let pending = false;
  return {
    wake() {
      if (resolveWait === undefined) pending = true;
      resolveWait?.();
      resolveWait = undefined;
    },
    wait(timeoutMs) {
      if (pending) {
        pending = false;
        return Promise.resolve();
      }
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          resolveWait = undefined;
          resolve();
        }, timeoutMs);
        resolveWait = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}
