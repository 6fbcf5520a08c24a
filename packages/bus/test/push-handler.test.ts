import type { TestDatabase } from '@nlyzer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumer, handlePush, listDeadLetters, type SubscriptionSpec } from '../src/index.ts';
import { effectsOf, insertEffect, invoicePaid, openTestDatabase, type TestTables } from './harness.ts';

/** The body Pub/Sub POSTs to a push endpoint. */
function pushBody(subscription: string, data: string, extra: Record<string, unknown> = {}) {
  return {
    message: {
      data: Buffer.from(data).toString('base64'),
      attributes: { event_type: 'invoice.paid' },
      messageId: '1234567890',
      publishTime: new Date().toISOString(),
      ...extra,
    },
    subscription: `projects/nlyzer-test/subscriptions/${subscription}`,
  };
}

describe('push handler', () => {
  let database: TestDatabase<TestTables>;
  const subscription = 'push.invoice.paid';
  let subscriptions: SubscriptionSpec[];

  beforeAll(async () => {
    database = await openTestDatabase();
    subscriptions = [
      createConsumer({
        db: database.db,
        subscription,
        topic: 'invoice.paid',
        handle: async (envelope, { trx }) => {
          await insertEffect(trx, subscription, envelope);
        },
      }),
      {
        name: 'broken.invoice.paid',
        topic: 'invoice.paid',
        deliver: async () => {
          throw new Error('database unreachable');
        },
      },
    ];
  }, 60_000);
  afterAll(async () => {
    await database?.cleanup();
  });

  it('delivers a valid push request and acks it with 204', async () => {
    const envelope = invoicePaid(crypto.randomUUID(), 5);
    const body = pushBody(subscription, JSON.stringify(envelope), { orderingKey: envelope.store_id });
    expect(await handlePush(body, { subscriptions, db: database.db })).toBe(204);
    // Pub/Sub redelivers: still one effect.
    expect(await handlePush(body, { subscriptions, db: database.db })).toBe(204);
    expect(await effectsOf(database, subscription, [envelope.store_id as string])).toEqual([
      { event_id: envelope.event_id, store_id: envelope.store_id, seq: 5 },
    ]);
  });

  it('dead-letters an undecodable request and acks it, so Pub/Sub stops retrying', async () => {
    const garbage = [
      'not even an object',
      { message: { data: 'e30=' }, subscription: 'nonsense' },
      { subscription: `projects/p/subscriptions/${subscription}` },
      {
        message: { data: '%%%not-base64', messageId: '1' },
        subscription: `projects/p/subscriptions/${subscription}`,
      },
      pushBody('nobody.invoice.paid', '{}'),
    ];
    for (const body of garbage) expect(await handlePush(body, { subscriptions, db: database.db })).toBe(204);
    const reasons = (await listDeadLetters(database.db)).map((letter) => letter.reason).reverse();
    expect(reasons).toEqual([
      'push body is not a JSON object',
      'push body has no projects/<p>/subscriptions/<name> subscription',
      'push body has no message object',
      'push message data is not base64',
      'no consumer for subscription nobody.invoice.paid in this service',
    ]);
  });

  it('dead-letters a decodable message that is not an event, through the consumer', async () => {
    const body = pushBody(subscription, 'plain text');
    expect(await handlePush(body, { subscriptions, db: database.db })).toBe(204);
    const [letter] = await listDeadLetters(database.db, { subscription });
    expect(letter).toMatchObject({ raw: 'plain text', reason: expect.stringContaining('not JSON') });
  });

  it('answers 500 when delivery fails, so Pub/Sub retries', async () => {
    const body = pushBody('broken.invoice.paid', JSON.stringify(invoicePaid(crypto.randomUUID(), 1)));
    expect(await handlePush(body, { subscriptions, db: database.db })).toBe(500);
  });
});
