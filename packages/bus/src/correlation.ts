import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Who caused the work in progress: an HTTP request (correlationId = X-Request-ID) or a
 * consumed event (correlationId carried over, causationId = its event_id). Events
 * emitted inside inherit it, so a request can be followed across services without
 * threading ids through every call.
 */
export interface CorrelationContext {
  correlationId: string;
  causationId: string | null;
}

const storage = new AsyncLocalStorage<CorrelationContext>();

export function runWithCorrelation<T>(ctx: CorrelationContext, fn: () => T): T {
  return storage.run(ctx, fn);
}

export function currentCorrelation(): CorrelationContext | undefined {
  return storage.getStore();
}
