import { tieredConfig } from '@nlyzer/testing/vitest-config';

// Sync runs wait on local platform servers and the Pub/Sub emulator's delivery latency.
export default tieredConfig({ testTimeout: 30_000 });
