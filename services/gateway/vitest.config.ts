import { tieredConfig } from '@nlyzer/testing/vitest-config';

// Argon2id at OWASP cost and the Pub/Sub emulator's delivery latency need more than the default.
export default tieredConfig({ testTimeout: 30_000 });
