export {
  type Backoff,
  type ConsumerContext,
  type ConsumerHandler,
  type ConsumerOptions,
  createConsumer,
} from './consumer.ts';
export { type CorrelationContext, currentCorrelation, runWithCorrelation } from './correlation.ts';
export {
  type DeadLetter,
  type ListDeadLettersOptions,
  listDeadLetters,
  replayDeadLetter,
} from './dead-letters.ts';
export { BUS_ERROR_CODES, BusError, type BusErrorCode, isBusError } from './errors.ts';
export type {
  BusDriver,
  Delivery,
  Emit,
  EmitContext,
  Emitter,
  EventBus,
  Outbox,
  SubscriptionSpec,
} from './event-bus.ts';
export { createInProcessBus, type InProcessBusOptions } from './in-process-bus.ts';
export type { BusLogger } from './logger.ts';
export { TARGET_SUBSCRIPTION_ATTRIBUTE } from './message.ts';
export { createOutbox, type OutboxOptions } from './outbox.ts';
export { createPubSubBus, type PubSubBusOptions } from './pubsub-bus.ts';
export { handlePush, type PushStatus, type PushTarget } from './push-handler.ts';
export { type BusTables, busMigrations } from './tables.ts';
