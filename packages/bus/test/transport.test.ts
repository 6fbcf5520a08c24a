import { afterEach, describe, expect, it } from 'vitest';
import { currentCorrelation, type Delivery, type EventBus, runWithCorrelation } from '../src/index.ts';
import { invoicePaid, openTestBus, sleep, waitFor } from './harness.ts';

// The transport contract both adapters keep: Pub/Sub's, reproduced by the in-process bus.
describe('event bus transport', () => {
  let bus: EventBus;
  afterEach(async () => {
    await bus?.close();
  });

  it('gives every subscription of a topic its own copy', async () => {
    bus = openTestBus();
    const seen: Record<string, string[]> = { a: [], b: [] };
    for (const name of ['a', 'b'] as const) {
      await bus.subscribe({
        name: `fanout-${name}.invoice.paid`,
        topic: 'invoice.paid',
        deliver: async (delivery) => {
          seen[name]?.push(JSON.parse(delivery.data).event_id);
        },
      });
    }
    const envelopes = [invoicePaid(crypto.randomUUID(), 1), invoicePaid(crypto.randomUUID(), 2)];
    await bus.publish(envelopes, { purpose: 'fanout' });
    await waitFor(async () => seen.a?.length === 2 && seen.b?.length === 2, 'both subscriptions');
    const ids = envelopes.map((e) => e.event_id).sort();
    expect(seen.a?.sort()).toEqual(ids);
    expect(seen.b?.sort()).toEqual(ids);
  });

  it('carries attributes and the store as ordering key', async () => {
    bus = openTestBus();
    const deliveries: Delivery[] = [];
    await bus.subscribe({
      name: 'attrs.invoice.paid',
      topic: 'invoice.paid',
      deliver: async (delivery) => {
        deliveries.push(delivery);
      },
    });
    const envelope = invoicePaid(crypto.randomUUID(), 1);
    await bus.publish([envelope], { target_subscription: 'attrs.invoice.paid' });
    const [delivery] = await waitFor(async () => deliveries.length > 0 && deliveries, 'the delivery');
    expect(delivery?.orderingKey).toBe(envelope.store_id);
    expect(delivery?.attributes).toMatchObject({
      target_subscription: 'attrs.invoice.paid',
      event_type: 'invoice.paid',
      event_id: envelope.event_id,
    });
    expect(JSON.parse(delivery?.data ?? '')).toEqual(envelope);
  });

  it('redelivers a nacked message after a delay, holding back the rest of its key', async () => {
    bus = openTestBus();
    const storeId = crypto.randomUUID();
    const log: { seq: number; at: number }[] = [];
    let failuresLeft = 2;
    await bus.subscribe({
      name: 'nack.invoice.paid',
      topic: 'invoice.paid',
      deliver: async (delivery) => {
        const seq = JSON.parse(delivery.data).payload.amount_cents as number;
        log.push({ seq, at: performance.now() });
        if (seq === 1 && failuresLeft-- > 0) throw new Error('not yet');
      },
    });
    await bus.publish([invoicePaid(storeId, 1), invoicePaid(storeId, 2), invoicePaid(storeId, 3)]);
    await waitFor(async () => log.some((entry) => entry.seq === 3), 'the last message');
    expect(log.map((entry) => entry.seq)).toEqual([1, 1, 1, 2, 3]);
    const [first, second] = log;
    expect((second?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThanOrEqual(15);
  });

  it('delivers one key at a time and different keys in parallel', async () => {
    bus = openTestBus();
    const stores = [crypto.randomUUID(), crypto.randomUUID(), crypto.randomUUID()];
    const running = new Map<string, number>();
    let overlapWithinKey = false;
    let concurrent = 0;
    let maxConcurrent = 0;
    const received = new Map<string, number[]>();
    await bus.subscribe({
      name: 'keys.invoice.paid',
      topic: 'invoice.paid',
      deliver: async (delivery) => {
        const key = delivery.orderingKey ?? '';
        if ((running.get(key) ?? 0) > 0) overlapWithinKey = true;
        running.set(key, (running.get(key) ?? 0) + 1);
        maxConcurrent = Math.max(maxConcurrent, ++concurrent);
        await sleep(5);
        received.set(key, [...(received.get(key) ?? []), JSON.parse(delivery.data).payload.amount_cents]);
        concurrent--;
        running.set(key, (running.get(key) ?? 0) - 1);
      },
    });
    const envelopes = Array.from({ length: 30 }, (_, i) => invoicePaid(stores[i % 3] as string, i));
    await bus.publish(envelopes);
    await waitFor(async () => [...received.values()].flat().length === 30, 'all 30 messages');
    expect(overlapWithinKey).toBe(false);
    expect(maxConcurrent).toBeGreaterThan(1);
    for (const [index, store] of stores.entries()) {
      expect(received.get(store)).toEqual(Array.from({ length: 10 }, (_, i) => i * 3 + index));
    }
  });

  it('close() waits for deliveries in flight', async () => {
    bus = openTestBus();
    let started = false;
    let finished = false;
    await bus.subscribe({
      name: 'close.invoice.paid',
      topic: 'invoice.paid',
      deliver: async () => {
        started = true;
        await sleep(300);
        finished = true;
      },
    });
    await bus.publish([invoicePaid(crypto.randomUUID(), 1)]);
    await waitFor(async () => started, 'the delivery to start');
    await bus.close();
    expect(finished).toBe(true);
    await expect(bus.publish([invoicePaid(crypto.randomUUID(), 2)])).rejects.toMatchObject({
      code: 'bus_closed',
    });
  });

  it("runs deliveries outside the publisher's async context", async () => {
    bus = openTestBus();
    const seen: unknown[] = [];
    await bus.subscribe({
      name: 'context.invoice.paid',
      topic: 'invoice.paid',
      deliver: async () => {
        seen.push(currentCorrelation());
      },
    });
    await runWithCorrelation({ correlationId: 'publisher', causationId: null }, () =>
      bus.publish([invoicePaid(crypto.randomUUID(), 1)]),
    );
    await waitFor(async () => seen.length > 0, 'the delivery');
    expect(seen).toEqual([undefined]);
  });

  it('answers ping', async () => {
    bus = openTestBus();
    await expect(bus.ping()).resolves.toBeUndefined();
  });
});
