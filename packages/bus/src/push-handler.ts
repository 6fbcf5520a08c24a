import type { Database } from '@nlyzer/db';
import { writeDeadLetter } from './dead-letters.ts';
import type { Delivery, SubscriptionSpec } from './event-bus.ts';
import { type BusLogger, silentLogger } from './logger.ts';
import type { BusTables } from './tables.ts';

/** 204 acks the message; anything else makes Pub/Sub redeliver it with backoff. */
export type PushStatus = 204 | 500;

export interface PushTarget {
  /** The subscriptions this service consumes, matched by the push body's subscription id. */
  subscriptions: Iterable<SubscriptionSpec>;
  /** Where undecodable requests are dead-lettered. */
  db: Database;
  logger?: BusLogger;
}

const UNKNOWN = 'unknown';
const SUBSCRIPTION_PATH = /^projects\/[^/]+\/subscriptions\/([^/]+)$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

type DecodedPush =
  | { ok: true; subscription: string; delivery: Delivery }
  | { ok: false; subscription: string; reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The push request format: { message: { data, attributes, messageId, orderingKey, publishTime }, subscription }. */
function decodePush(body: unknown): DecodedPush {
  if (!isRecord(body)) return { ok: false, subscription: UNKNOWN, reason: 'push body is not a JSON object' };
  const path = typeof body.subscription === 'string' ? SUBSCRIPTION_PATH.exec(body.subscription) : null;
  const subscription = path?.[1] ?? UNKNOWN;
  if (!path)
    return {
      ok: false,
      subscription,
      reason: 'push body has no projects/<p>/subscriptions/<name> subscription',
    };
  const { message } = body;
  if (!isRecord(message)) return { ok: false, subscription, reason: 'push body has no message object' };
  const data = message.data ?? '';
  if (typeof data !== 'string' || data.length % 4 !== 0 || !BASE64.test(data)) {
    return { ok: false, subscription, reason: 'push message data is not base64' };
  }
  const messageId = message.messageId ?? message.message_id;
  if (typeof messageId !== 'string')
    return { ok: false, subscription, reason: 'push message has no messageId' };
  const attributes = message.attributes ?? {};
  if (!isRecord(attributes) || Object.values(attributes).some((value) => typeof value !== 'string')) {
    return { ok: false, subscription, reason: 'push message attributes are not a string map' };
  }
  const orderingKey = message.orderingKey;
  return {
    ok: true,
    subscription,
    delivery: {
      data: Buffer.from(data, 'base64').toString('utf8'),
      messageId,
      attributes: attributes as Record<string, string>,
      ...(typeof orderingKey === 'string' && orderingKey !== '' ? { orderingKey } : {}),
    },
  };
}

/**
 * Handles one Cloud Run push request (the kit mounts it at POST /pubsub/push). Pub/Sub
 * redelivers anything not acked, forever for a request that can never be decoded, so such
 * a request is dead-lettered with its body and acked; a handler failure (the consumer only
 * throws when it cannot even dead-letter) answers 500 so Pub/Sub retries later.
 */
export async function handlePush(body: unknown, target: PushTarget): Promise<PushStatus> {
  const { db, logger = silentLogger } = target;
  const decoded = decodePush(body);
  const spec = [...target.subscriptions].find((candidate) => candidate.name === decoded.subscription);
  if (!decoded.ok || !spec) {
    const reason = decoded.ok
      ? `no consumer for subscription ${decoded.subscription} in this service`
      : decoded.reason;
    try {
      await writeDeadLetter(db.as<BusTables>(), {
        subscription: decoded.subscription,
        topic: spec?.topic ?? UNKNOWN,
        eventId: null,
        envelope: null,
        raw: safeStringify(body),
        reason,
        attempts: 0,
      });
    } catch (err) {
      logger.error({ err, subscription: decoded.subscription }, 'could not dead-letter a push request');
      return 500;
    }
    logger.warn({ subscription: decoded.subscription, reason }, 'undeliverable push request dead-lettered');
    return 204;
  }
  try {
    await spec.deliver(decoded.delivery);
    return 204;
  } catch (err) {
    logger.error(
      { err, subscription: spec.name, messageId: decoded.delivery.messageId },
      'push delivery failed',
    );
    return 500;
  }
}

function safeStringify(body: unknown): string {
  try {
    return typeof body === 'string' ? body : (JSON.stringify(body) ?? String(body));
  } catch {
    return String(body);
  }
}
