import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { EventBus, Outbox } from '@nlyzer/bus';
import type { EventEnvelope } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { describe, expect, it } from 'vitest';
import { buildApp, openRealParts } from '../test/fixtures.ts';
import { DeadlineExceeded } from './deadline.ts';
import { shutdownService } from './lifecycle.ts';

/** Parts that only record what shutdown asks of them, to check the order. */
function recordingParts(
  calls: string[],
  overrides: { busClose?: () => Promise<void>; flush?: () => Promise<void> } = {},
) {
  const db = { ping: async () => {}, close: async () => void calls.push('db.close') } as unknown as Database;
  const bus = {
    ping: async () => {},
    close: overrides.busClose ?? (async () => void calls.push('bus.close')),
  } as unknown as EventBus;
  const outbox = {
    flush: overrides.flush ?? (async () => void calls.push('outbox.flush')),
    stop: async () => void calls.push('outbox.stop'),
  } as unknown as Outbox;
  return { db, bus, outbox };
}

describe('shutdownService', () => {
  it('waits for in-flight requests, then runs the hooks in order', async () => {
    const calls: string[] = [];
    const app = await buildApp(recordingParts(calls));
    let requestArrived!: () => void;
    const arrived = new Promise<void>((resolve) => {
      requestArrived = resolve;
    });
    let finishRequest!: () => void;
    app.get('/slow', async () => {
      requestArrived();
      await new Promise<void>((resolve) => {
        finishRequest = resolve;
      });
      calls.push('request finished');
      return { done: true };
    });
    // Draining is a property of the real server (inject bypasses it), so this one test listens on loopback.
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const inFlight = fetch(`${address}/slow`);
    await arrived;
    const shutdown = shutdownService(app, {
      timeoutMs: 5_000,
      onShutdown: async () => void calls.push('onShutdown'),
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(app.lifecycle.shuttingDown).toBe(true);
    expect(calls).toEqual([]);
    finishRequest();
    const [response, report] = await Promise.all([inFlight, shutdown]);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    // Otherwise the client's keep-alive connection would hold app.close() open.
    expect(response.headers.get('connection')).toBe('close');
    expect(calls).toEqual([
      'request finished',
      'onShutdown',
      'outbox.flush',
      'outbox.stop',
      'bus.close',
      'db.close',
    ]);
    expect(report).toEqual({
      clean: true,
      steps: ['close http', 'on shutdown', 'flush outbox', 'stop outbox', 'close bus', 'close db'].map(
        (name) => ({
          name,
          outcome: 'done',
        }),
      ),
    });
  });

  it('goes on after a failing step, so the database still closes', async () => {
    const calls: string[] = [];
    const failure = new Error('subscription close failed');
    const app = await buildApp(recordingParts(calls, { busClose: () => Promise.reject(failure) }));
    const report = await shutdownService(app, { timeoutMs: 5_000 });
    expect(calls).toEqual(['outbox.flush', 'outbox.stop', 'db.close']);
    expect(report.clean).toBe(false);
    expect(report.steps.find((step) => step.name === 'close bus')).toEqual({
      name: 'close bus',
      outcome: 'failed',
      error: failure,
    });
  });

  it('stays within its time budget when a step hangs', async () => {
    const calls: string[] = [];
    const app = await buildApp(recordingParts(calls, { flush: () => new Promise(() => {}) }));
    const started = Date.now();
    const report = await shutdownService(app, { timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(report.clean).toBe(false);
    const flush = report.steps.find((step) => step.name === 'flush outbox');
    expect(flush?.outcome).toBe('failed');
    expect(flush?.error).toBeInstanceOf(DeadlineExceeded);
    expect(report.steps.slice(-3).map((step) => step.outcome)).toEqual(['skipped', 'skipped', 'skipped']);
  });

  it('closes parts shared by several apps once', async () => {
    const calls: string[] = [];
    const shared = recordingParts(calls);
    const apps = [await buildApp(shared, { name: 'gateway' }), await buildApp(shared, { name: 'billing' })];
    const report = await shutdownService(apps, { timeoutMs: 5_000 });
    expect(report.clean).toBe(true);
    expect(calls).toEqual(['outbox.flush', 'outbox.stop', 'bus.close', 'db.close']);
    expect(apps.every((app) => app.lifecycle.shuttingDown)).toBe(true);
  });

  it('publishes what a request emitted, with the request id as correlation_id, before the bus closes', async () => {
    const parts = await openRealParts();
    const received: EventEnvelope[] = [];
    await parts.bus.subscribe({
      name: 'billing.store.created',
      topic: 'store.created',
      deliver: async (delivery) => void received.push(JSON.parse(delivery.data)),
    });
    const app = await buildApp(parts, { name: 'gateway' });
    const storeId = randomUUID();
    app.post('/stores', async () => {
      await app.outbox.withStore(storeId, async (_trx, emit) => {
        await emit('store.created', {
          store_id: storeId,
          company: 'Shop',
          tier: 'starter',
          owner_user_id: randomUUID(),
          billing_email: 'billing@shop.test',
          time_zone: 'Europe/Berlin',
          created_at: new Date().toISOString(),
        });
      });
      return { store_id: storeId };
    });

    const response = await app.inject({
      method: 'POST',
      url: '/stores',
      headers: { 'x-request-id': 'signup-42' },
    });
    expect(response.statusCode).toBe(200);
    const report = await shutdownService(app, { timeoutMs: 5_000 });
    expect(report.clean).toBe(true);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({
      event_type: 'store.created',
      store_id: storeId,
      correlation_id: 'signup-42',
      causation_id: null,
      source: 'gateway',
    });
  }, 60_000);
});

describe('startService', () => {
  it('listens, and on SIGTERM shuts down cleanly and exits 0', async () => {
    const child = spawn(
      process.execPath,
      [new URL('../test/start-service-child.ts', import.meta.url).pathname],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const lines: Record<string, unknown>[] = [];
    // 'close' waits for stdout to end, so every line is in by then.
    const closed = once(child, 'close');
    const address = await new Promise<string>((resolve) => {
      createInterface({ input: child.stdout }).on('line', (text) => {
        const line = JSON.parse(text);
        lines.push(line);
        if (line.message === 'listening') resolve(line.address);
      });
    });
    expect((await fetch(`${address}/readyz`)).status).toBe(200);

    child.kill('SIGTERM');
    const [code] = await closed;
    expect(code).toBe(0);
    expect(lines.map((line) => line.message)).toEqual(
      expect.arrayContaining(['signal received, shutting down', 'on shutdown ran', 'shutdown finished']),
    );
    expect(lines.find((line) => line.message === 'shutdown finished')).toMatchObject({
      severity: 'INFO',
      steps: [
        'close http: done',
        'on shutdown: done',
        'flush outbox: done',
        'stop outbox: done',
        'close bus: done',
        'close db: done',
      ],
    });
  }, 60_000);
});
