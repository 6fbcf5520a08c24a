import { createInProcessBus, createPubSubBus, type EventBus } from '@nlyzer/bus';
import type { Logger } from '@nlyzer/service-kit';
import type { CommandConfig } from './cli-config.ts';

/** The bus BUS_DRIVER names, and whether this process pulls its subscriptions from it. */
export function busFromConfig(config: CommandConfig, logger: Logger): { bus: EventBus; pull: boolean } {
  if (config.BUS_DRIVER === 'memory') return { bus: createInProcessBus({ logger }), pull: true };
  const emulatorHost = config.PUBSUB_EMULATOR_HOST;
  const bus = createPubSubBus({
    // loadConfig guarantees it when BUS_DRIVER is pubsub.
    projectId: config.GOOGLE_CLOUD_PROJECT!,
    ...(emulatorHost ? { emulatorHost } : {}),
    // Against the emulator nothing else creates topics and subscriptions; in GCP Terraform does.
    ensureTopology: emulatorHost !== undefined,
    logger,
  });
  return { bus, pull: config.NLYZER_PUBSUB_DELIVERY === 'pull' };
}
