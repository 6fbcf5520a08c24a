import { randomUUID } from 'node:crypto';
import { realInfra, tier } from '@nlyzer/testing';
import type { EventBus } from '../event-bus.ts';
import { createInProcessBus } from '../in-process-bus.ts';
import { createPubSubBus } from '../pubsub-bus.ts';

/**
 * The test tier's bus: in process on the embedded tier, the Pub/Sub emulator on the real
 * one, in a project of its own so test files never see each other's messages.
 */
export function openTierBus(name: string): EventBus {
  const host = realInfra()?.pubsubEmulatorHost;
  if (tier() === 'embedded' || !host) return createInProcessBus();
  const projectId = `${name}-${process.pid}-${randomUUID().slice(0, 8)}`;
  return createPubSubBus({ projectId, emulatorHost: host, ensureTopology: true });
}
