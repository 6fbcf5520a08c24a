import { tieredConfig } from '@nlyzer/testing/vitest-config';

// Embedding and the Pub/Sub emulator's delivery latency need more than the default.
export default tieredConfig({ testTimeout: 30_000 });
