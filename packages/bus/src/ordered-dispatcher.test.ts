import { describe, expect, it } from 'vitest';
import { createOrderedDispatcher } from './ordered-dispatcher.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ordered dispatcher', () => {
  it('never runs more than its concurrency at once', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    const dispatcher = createOrderedDispatcher<number>({
      concurrency: 3,
      maxBatch: 10,
      run: async (items) => {
        peak = Math.max(peak, ++running);
        await sleep(5);
        running--;
        done.push(...items);
      },
      retryDelayMs: () => 1,
    });
    for (let i = 0; i < 20; i++) dispatcher.push(i, undefined);
    while (done.length < 20) await sleep(5);
    expect(peak).toBe(3);
  });

  it("hands a key's backlog over in order, in batches of at most maxBatch", async () => {
    const runs: string[][] = [];
    const dispatcher = createOrderedDispatcher<string>({
      concurrency: 4,
      maxBatch: 3,
      run: async (items) => {
        runs.push(items);
        await sleep(20);
      },
      retryDelayMs: () => 1,
    });
    for (let i = 1; i <= 6; i++) dispatcher.push(`a${i}`, 'a');
    dispatcher.push('u1', undefined);
    dispatcher.push('u2', undefined);
    while (runs.flat().length < 8) await sleep(5);
    // a1 starts alone; a2..a6 pile up behind it and follow in batches of three.
    expect(runs).toEqual([['a1'], ['u1'], ['u2'], ['a2', 'a3', 'a4'], ['a5', 'a6']]);
  });

  it('hands back what it did not deliver on stop, a failed batch before its followers', async () => {
    const attempts: string[] = [];
    const dispatcher = createOrderedDispatcher<string>({
      concurrency: 2,
      maxBatch: 1,
      run: async ([item]) => {
        attempts.push(item as string);
        if (item === 'a1') throw new Error('nack');
        await sleep(50);
      },
      retryDelayMs: () => 10_000,
    });
    dispatcher.push('a1', 'a');
    dispatcher.push('a2', 'a');
    dispatcher.push('b1', 'b');
    dispatcher.push('b2', 'b');
    await sleep(10);
    const undelivered = await dispatcher.stop();
    // b1 was running and finished; a1 waits for its retry with a2 behind it; b2 never started.
    expect(attempts).toEqual(['a1', 'b1']);
    expect(undelivered).toEqual(['a1', 'a2', 'b2']);
  });
});
