import type { EventBus } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, captureLogs, openRealParts, type RealParts } from '../test/fixtures.ts';

let parts: RealParts;

beforeAll(async () => {
  parts = await openRealParts();
});

afterAll(async () => {
  await parts.bus.close();
  await parts.db.close();
});

/** The real part with only `ping` replaced: failure injection, nothing else faked. */
function withPing<T extends object>(real: T, ping: () => Promise<void>): T {
  return Object.assign(Object.create(real), { ping });
}

describe('/healthz', () => {
  it('answers 200 without touching dependencies', async () => {
    const db = withPing(parts.db, () => Promise.reject(new Error('connection refused')));
    const app = await buildApp({ ...parts, db });
    const response = await app.inject({ url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });
});

describe('/readyz', () => {
  it('answers 200 when the database and the bus answer', async () => {
    const app = await buildApp(parts);
    const response = await app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ready' });
  });

  it('answers 503 naming the database when its ping fails, without the reason', async () => {
    const logs = captureLogs();
    const db = withPing<Database>(parts.db, () =>
      Promise.reject(new Error('connect ECONNREFUSED 10.1.2.3:5432')),
    );
    const app = await buildApp({ ...parts, db }, { logger: logs.logger });
    const response = await app.inject({ url: '/readyz', headers: { 'x-request-id': 'ready-1' } });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'unavailable', detail: 'Not ready: db ping failed' });
    expect(response.body).not.toContain('10.1.2.3');
    const probeLog = logs.lines().find((line) => line.message === 'readiness probe failed');
    expect(probeLog).toMatchObject({ request_id: 'ready-1', dependency: 'db', severity: 'WARNING' });
    expect(probeLog.err.message).toContain('ECONNREFUSED');
  });

  it('answers 503 when a ping hangs past the timeout', async () => {
    const bus = withPing<EventBus>(parts.bus, () => new Promise(() => {}));
    const app = await buildApp({ ...parts, bus }, { readyTimeoutMs: 50 });
    const response = await app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json().detail).toBe('Not ready: bus ping timed out after 50 ms');
  });

  it('names every failing dependency', async () => {
    const fail = () => Promise.reject(new Error('down'));
    const app = await buildApp({ ...parts, db: withPing(parts.db, fail), bus: withPing(parts.bus, fail) });
    const response = await app.inject({ url: '/readyz' });
    expect(response.json().detail).toBe('Not ready: db ping failed; bus ping failed');
  });

  it('answers 503 once shutdown has started', async () => {
    const app = await buildApp(parts);
    app.lifecycle.shuttingDown = true;
    const response = await app.inject({ url: '/readyz' });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'unavailable', detail: 'Shutting down' });
  });
});
