// Run as a child process by lifecycle.test.ts: a real service process that gets SIGTERM.
import { startService } from '../src/lifecycle.ts';
import { createLogger } from '../src/logger.ts';
import { buildApp, openRealParts } from './fixtures.ts';

const parts = await openRealParts();
const app = await buildApp(parts, { logger: createLogger({ service: 'child', level: 'info' }) });
await startService(app, {
  port: 0,
  host: '127.0.0.1',
  timeoutMs: 5_000,
  onShutdown: async () => app.log.info('on shutdown ran'),
});
