import closeWithGrace from 'close-with-grace';
import type { App } from './create-app.ts';
import { DeadlineExceeded, withDeadline } from './deadline.ts';

export interface ShutdownOptions {
  /** Budget for the whole sequence; steps that have not started when it runs out are skipped. */
  timeoutMs: number;
  /** Service-specific cleanup (timers, caches), run once HTTP intake has stopped and before the outbox drains. */
  onShutdown?: () => Promise<void>;
}

export interface ShutdownStep {
  name: string;
  outcome: 'done' | 'failed' | 'skipped';
  error?: unknown;
}

export interface ShutdownReport {
  clean: boolean;
  steps: ShutdownStep[];
}

function unique<T>(items: T[]): T[] {
  return [...new Set(items)];
}

/**
 * The graceful shutdown sequence, as a plain function so the runtime (several apps in one
 * process, sharing a bus and a database) and tests can run it. Shared parts are closed
 * once. Order:
 * 1. readiness turns 503 and HTTP intake stops (`app.close()` waits for in-flight requests);
 * 2. `onShutdown`;
 * 3. the outbox drains (`flush`) and its relay stops — before the bus closes, because
 *    closing the bus also closes its publisher;
 * 4. the bus closes: no new deliveries, in-flight consumer work finishes (events those
 *    handlers emit stay in the outbox table and are relayed by the next relay to run);
 * 5. the database closes.
 * A failing step is logged and the sequence goes on: the database still gets closed.
 */
export async function shutdownService(
  target: App | App[],
  options: ShutdownOptions,
): Promise<ShutdownReport> {
  const apps = Array.isArray(target) ? target : [target];
  const log = apps[0]?.log;
  const deadline = Date.now() + options.timeoutMs;
  const steps: ShutdownStep[] = [];

  const run = async (name: string, work: () => Promise<unknown>) => {
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      steps.push({ name, outcome: 'skipped' });
      log?.error({ step: name }, 'shutdown step skipped: time budget spent');
      return;
    }
    try {
      await withDeadline(name, remaining, work());
      steps.push({ name, outcome: 'done' });
    } catch (error) {
      steps.push({ name, outcome: 'failed', error });
      log?.error({ step: name, err: error }, 'shutdown step failed');
    }
  };

  log?.info({ timeoutMs: options.timeoutMs }, 'shutdown started');
  for (const app of apps) app.lifecycle.shuttingDown = true;
  const outboxes = unique(apps.map((app) => app.outbox));
  await run('close http', () => Promise.all(apps.map((app) => app.close())));
  if (options.onShutdown) await run('on shutdown', options.onShutdown);
  await run('flush outbox', () => Promise.all(outboxes.map((outbox) => outbox.flush())));
  await run('stop outbox', () => Promise.all(outboxes.map((outbox) => outbox.stop())));
  await run('close bus', () => Promise.all(unique(apps.map((app) => app.bus)).map((bus) => bus.close())));
  await run('close db', () => Promise.all(unique(apps.map((app) => app.db)).map((db) => db.close())));

  const clean = steps.every((step) => step.outcome === 'done');
  log?.[clean ? 'info' : 'error'](
    { steps: steps.map((s) => `${s.name}: ${s.outcome}`) },
    'shutdown finished',
  );
  return { clean, steps };
}

export interface StartOptions {
  /** Defaults to config PORT / HOST / SHUTDOWN_TIMEOUT_MS. */
  port?: number;
  host?: string;
  timeoutMs?: number;
  onShutdown?: () => Promise<void>;
}

/**
 * Listen, and shut down gracefully on SIGTERM/SIGINT (or an uncaught error): the process
 * exits 0 after a clean shutdown, 1 otherwise or when the budget is exceeded.
 * Returns the address listened on.
 */
export async function startService(app: App, options: StartOptions = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? app.config.SHUTDOWN_TIMEOUT_MS;
  const address = await app.listen({
    port: options.port ?? app.config.PORT,
    host: options.host ?? app.config.HOST,
  });
  closeWithGrace(
    {
      // A backstop only: shutdownService bounds itself by the same budget.
      delay: timeoutMs + 1000,
      logger: { error: (err: unknown) => app.log.error({ err }, 'graceful shutdown failed') },
      onTimeout: (delay) => app.log.fatal({ delay }, 'graceful shutdown timed out, exiting'),
    },
    async ({ signal, err }) => {
      if (err) app.log.fatal({ err }, 'uncaught error, shutting down');
      else app.log.info({ signal }, 'signal received, shutting down');
      const report = await shutdownService(app, {
        timeoutMs,
        ...(options.onShutdown ? { onShutdown: options.onShutdown } : {}),
      });
      const failed = report.steps.find((step) => step.outcome !== 'done');
      // Rejecting makes close-with-grace exit with code 1.
      if (failed) throw failed.error ?? new DeadlineExceeded(failed.name, timeoutMs);
    },
  );
  app.log.info({ address }, 'listening');
  return address;
}
