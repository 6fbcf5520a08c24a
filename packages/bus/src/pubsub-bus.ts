import { type Message, PubSub, type Subscription, type Topic } from '@google-cloud/pubsub';
import { type EventEnvelope, TOPIC_NAMES, TOPICS, type TopicName } from '@nlyzer/contracts';
import { BusError, errorMessage } from './errors.ts';
import type { Delivery, EventBus, SubscriptionSpec } from './event-bus.ts';
import { type BusLogger, silentLogger } from './logger.ts';
import { toMessage } from './message.ts';
import { createOrderedDispatcher, type OrderedDispatcher } from './ordered-dispatcher.ts';
import { subscriptionRunner } from './subscription-runner.ts';

export interface PubSubBusOptions {
  projectId: string;
  /** `host:port` of the Pub/Sub emulator; absent → Google Cloud with default credentials. */
  emulatorHost?: string;
  /**
   * Create missing topics and subscriptions (dev and the emulator). In production Terraform
   * creates them from the topic catalog and the service account may not create anything.
   */
  ensureTopology: boolean;
  /** Messages leased at once per subscription (streaming-pull flow control). */
  maxOutstandingMessages?: number;
  /** Handlers running at once per subscription; one ordering key is always sequential. */
  concurrency?: number;
  /** Most leased messages of one ordering key handed to a subscription's deliverBatch at once. */
  maxBatch?: number;
  /** Delay before a nacked message is handed to the handler again; doubles per attempt, capped at 30 s. */
  redeliveryDelayMs?: number;
  logger?: BusLogger;
}

/** gRPC ALREADY_EXISTS: a concurrent process (or an earlier run) created it first. */
const ALREADY_EXISTS = 6;
const NOT_FOUND = 5;

interface Pull {
  subscription: Subscription;
  dispatcher: OrderedDispatcher<Message>;
}

export function createPubSubBus(options: PubSubBusOptions): EventBus {
  const {
    projectId,
    emulatorHost,
    ensureTopology,
    maxOutstandingMessages = 1000,
    concurrency = 64,
    maxBatch = 50,
    redeliveryDelayMs = 1000,
    logger = silentLogger,
  } = options;
  const pubsub = new PubSub({
    projectId,
    // Naming the universe keeps the auth library from probing the GCE metadata server,
    // which an emulator setup has no use for (and warns about when it is absent).
    ...(emulatorHost
      ? { apiEndpoint: emulatorHost, emulatorMode: true, universeDomain: 'googleapis.com' }
      : {}),
  });
  const publishers = new Map<string, Topic>();
  const topicsReady = new Map<string, Promise<void>>();
  const pulls = new Map<string, Pull>();
  let closed = false;

  function publisherFor(topic: TopicName): Topic {
    let publisher = publishers.get(topic);
    if (!publisher) {
      publisher = pubsub.topic(topic, {
        // Ordering makes the client send one key's messages in sequence; topics without an
        // ordering key keep parallel publishing.
        messageOrdering: TOPICS[topic].orderingKey !== null,
        // The relay publishes whole outbox batches at once; a short linger fills Pub/Sub batches.
        batching: { maxMessages: 500, maxMilliseconds: 5 },
      });
      publishers.set(topic, publisher);
    }
    return publisher;
  }

  function ensureTopic(topic: TopicName): Promise<void> {
    if (!ensureTopology) return Promise.resolve();
    let ready = topicsReady.get(topic);
    if (!ready) {
      ready = pubsub
        .createTopic(topic)
        .then(
          () => logger.info({ topic }, 'created Pub/Sub topic'),
          (err: { code?: number }) => {
            if (err.code !== ALREADY_EXISTS) throw err;
          },
        )
        .catch((err: unknown) => {
          topicsReady.delete(topic);
          throw err;
        });
      topicsReady.set(topic, ready);
    }
    return ready;
  }

  async function ensureSubscription(spec: SubscriptionSpec): Promise<void> {
    if (!ensureTopology) return;
    await ensureTopic(spec.topic);
    try {
      await pubsub.createSubscription(spec.topic, spec.name, {
        enableMessageOrdering: TOPICS[spec.topic].orderingKey !== null,
        ackDeadlineSeconds: 60,
      });
      logger.info({ subscription: spec.name, topic: spec.topic }, 'created Pub/Sub subscription');
    } catch (err) {
      if ((err as { code?: number }).code !== ALREADY_EXISTS) throw err;
    }
  }

  function assertOpen(): void {
    if (closed) throw new BusError('bus_closed', 'The Pub/Sub bus is closed');
  }

  return {
    driver: 'pubsub',

    async publish(envelopes: EventEnvelope[], attributes?: Record<string, string>) {
      assertOpen();
      const messages = envelopes.map((envelope) => toMessage(envelope, attributes));
      await Promise.all([...new Set(messages.map((m) => m.topic as TopicName))].map(ensureTopic));
      // Issued synchronously, in order: the client keeps one ordering key's messages in
      // the order publishMessage was called.
      const results = await Promise.allSettled(
        messages.map((message) =>
          publisherFor(message.topic as TopicName).publishMessage({
            data: Buffer.from(message.data),
            attributes: message.attributes,
            ...(message.orderingKey === undefined ? {} : { orderingKey: message.orderingKey }),
          }),
        ),
      );
      const failures = results.flatMap((result, index) =>
        result.status === 'rejected' ? [{ index, result }] : [],
      );
      if (failures.length === 0) return;
      // A failed ordered publish pauses its key in the client until resumed; the caller
      // (the outbox relay) publishes the whole batch again, so resume every failed key.
      for (const { index } of failures) {
        const message = messages[index];
        if (message?.orderingKey)
          publisherFor(message.topic as TopicName).resumePublishing(message.orderingKey);
      }
      const first = failures[0]?.result as PromiseRejectedResult;
      throw new Error(
        `Pub/Sub publish failed for ${failures.length} of ${messages.length} messages: ${errorMessage(first.reason)}`,
        {
          cause: first.reason,
        },
      );
    },

    async subscribe(spec: SubscriptionSpec) {
      assertOpen();
      if (pulls.has(spec.name)) {
        throw new BusError('duplicate_subscription', `Subscription ${spec.name} is already subscribed`);
      }
      await ensureSubscription(spec);
      const subscription = pubsub.subscription(spec.name, {
        flowControl: { maxMessages: maxOutstandingMessages, allowExcessMessages: false },
        // Acks are sent in batches; one request per message would cap throughput.
        batching: { maxMessages: 1000, maxMilliseconds: 50 },
      });
      const runner = subscriptionRunner(spec, maxBatch);
      const dispatcher = createOrderedDispatcher<Message>({
        concurrency,
        maxBatch: runner.maxBatch,
        run: async (messages) => {
          await runner.deliver(messages.map(toDelivery));
          for (const message of messages) message.ack();
        },
        retryDelayMs: (attempt) => Math.min(redeliveryDelayMs * 2 ** (attempt - 1), 30_000),
        onRunError: (err, messages, attempt) =>
          logger.warn(
            { err, subscription: spec.name, messageIds: messages.map((m) => m.id), attempt },
            'delivery nacked',
          ),
      });
      subscription.on('message', (message: Message) => {
        if (closed) message.nack();
        else dispatcher.push(message, message.orderingKey || undefined);
      });
      // The client reconnects by itself on retryable errors; without a listener an
      // 'error' event would crash the process.
      subscription.on('error', (err: Error) =>
        logger.error({ err, subscription: spec.name }, 'Pub/Sub subscription stream error'),
      );
      pulls.set(spec.name, { subscription, dispatcher });
    },

    async ping() {
      assertOpen();
      try {
        await pubsub.topic(TOPIC_NAMES[0] as TopicName).getMetadata();
      } catch (err) {
        // The server answered; with ensureTopology the topic is only created on first use.
        if (!(ensureTopology && (err as { code?: number }).code === NOT_FOUND)) throw err;
      }
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(
        [...pulls.values()].map(async ({ subscription, dispatcher }) => {
          // Messages not handled yet go back to Pub/Sub, one key's in order, for another instance.
          for (const message of await dispatcher.stop()) message.nack();
          await subscription.close();
        }),
      );
      await Promise.all([...publishers.values()].map((publisher) => publisher.flush()));
      await pubsub.close();
    },
  };
}

function toDelivery(message: Message): Delivery {
  return {
    data: message.data.toString('utf8'),
    messageId: message.id,
    attributes: message.attributes,
    ...(message.orderingKey ? { orderingKey: message.orderingKey } : {}),
  };
}
