/** Thrown when a step outlives its time budget; `step` names what hung. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
  readonly code = 'deadline_exceeded';
  readonly step: string;

  constructor(step: string, ms: number) {
    super(`${step} did not finish within ${ms} ms`);
    this.step = step;
  }
}

/** `work`'s outcome, or DeadlineExceeded after `ms`; the timer never keeps the process alive. */
export async function withDeadline<T>(step: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(step, ms)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
