/**
 * Resolves on the first SIGINT or SIGTERM, for the caller's graceful shutdown; a second one
 * (an impatient Ctrl-C) exits at once. Keeps the process alive until then, even when
 * nothing else would (a scheduler with no job to run yet).
 */
export function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const keepAlive = setInterval(() => {}, 2 ** 30);
    const first = (signal: NodeJS.Signals) => {
      clearInterval(keepAlive);
      process.off('SIGINT', first);
      process.off('SIGTERM', first);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', first);
    process.on('SIGTERM', first);
  });
}
