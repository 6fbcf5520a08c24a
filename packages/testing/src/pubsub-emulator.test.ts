import { describe, expect, inject, it } from 'vitest';
import { startPubSubEmulator } from './pubsub-emulator.ts';
import { tier } from './real-infra.ts';

const answers = (host: string) =>
  fetch(`http://${host}/`, { signal: AbortSignal.timeout(2_000) }).then(
    (response) => response.ok,
    () => false,
  );

describe.runIf(tier() === 'real')('Pub/Sub emulator', () => {
  it('the run-wide emulator answers at the provided host', async () => {
    const host = inject('pubsubEmulatorHost');
    expect(host).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await answers(host!)).toBe(true);
  });

  it('stop takes down the whole process group, Java child included', async () => {
    const emulator = await startPubSubEmulator();
    expect(await answers(emulator.host)).toBe(true);
    await emulator.stop();
    expect(await answers(emulator.host)).toBe(false);
  });
});
