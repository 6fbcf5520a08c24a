import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { DeadlineExceeded, withDeadline } from './deadline.ts';
import { AppError } from './errors.ts';

interface ProbeFailure {
  name: string;
  reason: string;
  err: unknown;
}

async function probe(
  name: string,
  timeoutMs: number,
  ping: () => Promise<void>,
): Promise<ProbeFailure | null> {
  try {
    await withDeadline(`${name} ping`, timeoutMs, ping());
    return null;
  } catch (err) {
    const reason = err instanceof DeadlineExceeded ? `ping timed out after ${timeoutMs} ms` : 'ping failed';
    return { name, reason, err };
  }
}

/**
 * `/healthz`: the process is alive (never touches dependencies, so a database outage
 * does not get healthy instances restarted). `/readyz`: it can serve traffic now.
 */
export const health = fp(
  async (app: FastifyInstance, options: { readyTimeoutMs: number }) => {
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (request) => {
      if (app.lifecycle.shuttingDown) throw new AppError('unavailable', 'Shutting down');
      const results = await Promise.all([
        probe('db', options.readyTimeoutMs, () => app.db.ping()),
        probe('bus', options.readyTimeoutMs, () => app.bus.ping()),
      ]);
      const failures = results.filter((failure) => failure !== null);
      if (failures.length > 0) {
        for (const { name, err } of failures)
          request.log.warn({ dependency: name, err }, 'readiness probe failed');
        // Names what failed, never why: the reason can hold hosts and credentials.
        throw new AppError(
          'unavailable',
          `Not ready: ${failures.map((f) => `${f.name} ${f.reason}`).join('; ')}`,
        );
      }
      return { status: 'ready' };
    });
  },
  { name: '@nlyzer/service-kit/health', fastify: '5.x', dependencies: ['@nlyzer/service-kit/service-parts'] },
);
