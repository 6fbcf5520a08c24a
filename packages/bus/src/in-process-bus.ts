import { AsyncLocalStorage } from 'node:async_hooks';
import type { EventEnvelope } from '@nlyzer/contracts';
import { BusError } from './errors.ts';
import type { Delivery, EventBus, SubscriptionSpec } from './event-bus.ts';
import { type BusLogger, silentLogger } from './logger.ts';
import { toMessage } from './message.ts';
import { createOrderedDispatcher, type OrderedDispatcher } from './ordered-dispatcher.ts';
import { subscriptionRunner } from './subscription-runner.ts';

export interface InProcessBusOptions {
  /** Deliveries running at once per subscription; one ordering key is always sequential. */
  concurrency?: number;
  /** Most queued messages of one ordering key handed to a subscription's deliverBatch at once. */
  maxBatch?: number;
  /** Delay before a nacked message is delivered again; doubles per attempt, capped at 30 s. */
  redeliveryDelayMs?: number;
  logger?: BusLogger;
}

interface Subscription {
  spec: SubscriptionSpec;
  dispatcher: OrderedDispatcher<Delivery>;
}

/**
 * The embedded transport, with Pub/Sub's semantics inside one process: every subscription
 * of a topic gets its own copy (serialized like on the wire, so nobody shares objects),
 * delivery is at least once, a nack redelivers after a delay, one store's events are
 * delivered one at a time in publish order. Messages live in memory: what is queued when
 * the process dies is gone, which is why events go through the outbox, whose rows are only
 * deleted once published.
 */
export function createInProcessBus(options: InProcessBusOptions = {}): EventBus {
  const { concurrency = 64, maxBatch = 50, redeliveryDelayMs = 1000, logger = silentLogger } = options;
  const subscriptions = new Map<string, Subscription>();
  let nextMessageId = 1;
  let closed = false;

  return {
    driver: 'memory',

    async publish(envelopes: EventEnvelope[], attributes?: Record<string, string>) {
      if (closed) throw new BusError('bus_closed', 'The in-process bus is closed');
      const messages = envelopes.map((envelope) => toMessage(envelope, attributes));
      for (const message of messages) {
        const messageId = String(nextMessageId++);
        for (const { spec, dispatcher } of subscriptions.values()) {
          if (spec.topic !== message.topic) continue;
          const delivery: Delivery = {
            data: message.data,
            messageId,
            attributes: message.attributes,
            ...(message.orderingKey === undefined ? {} : { orderingKey: message.orderingKey }),
          };
          dispatcher.push(delivery, message.orderingKey);
        }
      }
    },

    async subscribe(spec: SubscriptionSpec) {
      if (closed) throw new BusError('bus_closed', 'The in-process bus is closed');
      if (subscriptions.has(spec.name)) {
        throw new BusError('duplicate_subscription', `Subscription ${spec.name} is already subscribed`);
      }
      // Deliveries start inside publish(), i.e. inside the relay's transaction: without
      // this they would inherit its async context (the PGlite connection it holds, the
      // publisher's correlation). They run in the subscriber's context instead, as they
      // would arriving from Pub/Sub.
      const inSubscriberContext = AsyncLocalStorage.snapshot();
      const runner = subscriptionRunner(spec, maxBatch);
      const dispatcher = createOrderedDispatcher<Delivery>({
        concurrency,
        maxBatch: runner.maxBatch,
        run: (deliveries) => inSubscriberContext(() => runner.deliver(deliveries)),
        retryDelayMs: (attempt) => Math.min(redeliveryDelayMs * 2 ** (attempt - 1), 30_000),
        onRunError: (err, deliveries, attempt) =>
          logger.warn(
            { err, subscription: spec.name, messageIds: deliveries.map((d) => d.messageId), attempt },
            'delivery nacked',
          ),
      });
      subscriptions.set(spec.name, { spec, dispatcher });
    },

    async ping() {
      if (closed) throw new BusError('bus_closed', 'The in-process bus is closed');
    },

    async close() {
      if (closed) return;
      closed = true;
      const results = await Promise.all(
        [...subscriptions.values()].map(async ({ spec, dispatcher }) => ({
          subscription: spec.name,
          undelivered: (await dispatcher.stop()).length,
        })),
      );
      for (const { subscription, undelivered } of results) {
        if (undelivered > 0)
          logger.warn({ subscription, undelivered }, 'in-process bus closed with undelivered messages');
      }
    },
  };
}
