/**
 * Runs deliveries with bounded concurrency while keeping each ordering key strictly
 * sequential: the next messages of a key start only after the previous ones were acked.
 * Messages without a key run independently. Under load a key's queued messages are handed
 * over together (up to `maxBatch`, in order), so a consumer can handle them in one
 * transaction. A rejected run is retried after a delay and the key stays blocked until
 * the retry succeeds — the guarantee Pub/Sub gives ordered subscriptions (a nack
 * redelivers the message before anything that follows it).
 */
export interface OrderedDispatcher<T> {
  push(item: T, orderingKey: string | undefined): void;
  /**
   * Stop starting new runs, wait for the running ones, and hand back every item that was
   * not delivered (queued or waiting for a retry), in per-key order.
   */
  stop(): Promise<T[]>;
}

export interface OrderedDispatcherOptions<T> {
  concurrency: number;
  /** Most items of one key handed to one run. */
  maxBatch: number;
  /** Resolve = ack all; reject = run the same items again after `retryDelayMs(attempt)`. */
  run(items: T[]): Promise<void>;
  retryDelayMs(attempt: number): number;
  onRunError?(err: unknown, items: T[], attempt: number): void;
}

interface Batch<T> {
  items: T[];
  attempt: number;
}

/** FIFO with O(1) shift; arrays shift in O(n) once they get long. */
class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
  drain(): T[] {
    const rest = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return rest;
  }
}

const UNKEYED = 'u:';

export function createOrderedDispatcher<T>(options: OrderedDispatcherOptions<T>): OrderedDispatcher<T> {
  const queues = new Map<string, Fifo<T>>();
  /** Failed batches, run again (before anything queued behind them) once their delay passed. */
  const retries = new Map<string, Batch<T>>();
  const retryTimers = new Map<string, NodeJS.Timeout>();
  /** Keys with work that is free to start, in arrival order; `scheduled` mirrors it. */
  const runnable = new Fifo<string>();
  const scheduled = new Set<string>();
  /** Keys running, or waiting for a retry delay. */
  const busy = new Set<string>();
  let running = 0;
  let stopped = false;
  let unkeyed = 0;
  let stopWaiter: (() => void) | undefined;

  const hasWork = (key: string) => retries.has(key) || queues.has(key);

  function schedule(key: string): void {
    if (busy.has(key) || scheduled.has(key) || !hasWork(key)) return;
    scheduled.add(key);
    runnable.push(key);
  }

  function takeBatch(key: string): Batch<T> | undefined {
    const retry = retries.get(key);
    if (retry) {
      retries.delete(key);
      return retry;
    }
    const queue = queues.get(key);
    if (!queue) return undefined;
    const max = key.startsWith(UNKEYED) ? 1 : options.maxBatch;
    const items: T[] = [];
    while (items.length < max && queue.length > 0) items.push(queue.shift() as T);
    if (queue.length === 0) queues.delete(key);
    return { items, attempt: 1 };
  }

  function pump(): void {
    while (!stopped && running < options.concurrency && runnable.length > 0) {
      const key = runnable.shift() as string;
      scheduled.delete(key);
      const batch = takeBatch(key);
      if (!batch) continue;
      busy.add(key);
      running++;
      void execute(key, batch);
    }
  }

  async function execute(key: string, batch: Batch<T>): Promise<void> {
    let failed = false;
    try {
      await options.run(batch.items);
    } catch (err) {
      failed = true;
      options.onRunError?.(err, batch.items, batch.attempt);
    }
    running--;
    if (failed) {
      // The key stays busy: nothing behind the failed batch may overtake it.
      retries.set(key, { items: batch.items, attempt: batch.attempt + 1 });
      if (!stopped) {
        const timer = setTimeout(() => {
          retryTimers.delete(key);
          busy.delete(key);
          schedule(key);
          pump();
        }, options.retryDelayMs(batch.attempt));
        retryTimers.set(key, timer);
      }
    } else {
      busy.delete(key);
      schedule(key);
    }
    pump();
    if (running === 0) stopWaiter?.();
  }

  return {
    push(item, orderingKey) {
      // Unkeyed messages get a key of their own so they never wait for one another.
      const key = orderingKey ? `k:${orderingKey}` : `${UNKEYED}${unkeyed++}`;
      let queue = queues.get(key);
      if (!queue) {
        queue = new Fifo();
        queues.set(key, queue);
      }
      queue.push(item);
      schedule(key);
      pump();
    },
    async stop() {
      stopped = true;
      if (running > 0) await new Promise<void>((resolve) => (stopWaiter = resolve));
      for (const timer of retryTimers.values()) clearTimeout(timer);
      retryTimers.clear();
      const undelivered: T[] = [];
      for (const key of new Set([...retries.keys(), ...queues.keys()])) {
        undelivered.push(...(retries.get(key)?.items ?? []), ...(queues.get(key)?.drain() ?? []));
      }
      retries.clear();
      queues.clear();
      return undelivered;
    },
  };
}
