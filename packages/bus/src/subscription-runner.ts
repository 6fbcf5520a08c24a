import type { Delivery, SubscriptionSpec } from './event-bus.ts';

/** How a transport hands a dispatcher batch to a subscription: batched only if the spec can take batches. */
export function subscriptionRunner(
  spec: SubscriptionSpec,
  maxBatch: number,
): { maxBatch: number; deliver(deliveries: Delivery[]): Promise<void> } {
  const { deliverBatch } = spec;
  if (!deliverBatch || maxBatch <= 1)
    return { maxBatch: 1, deliver: (deliveries) => spec.deliver(deliveries[0] as Delivery) };
  return {
    maxBatch,
    deliver: (deliveries) =>
      deliveries.length === 1 ? spec.deliver(deliveries[0] as Delivery) : deliverBatch.call(spec, deliveries),
  };
}
