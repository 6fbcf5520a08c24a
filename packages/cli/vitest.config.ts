import { tieredConfig } from '@nlyzer/testing/vitest-config';
import { mergeConfig } from 'vitest/config';

// Start-up of PGlite and of spawned `nlyzer` processes takes seconds on a busy machine.
export default mergeConfig(tieredConfig({ testTimeout: 90_000 }), { test: { hookTimeout: 90_000 } });
