import { tieredConfig } from '@nlyzer/testing/vitest-config';
import { mergeConfig } from 'vitest/config';

// PGlite takes seconds to start on a busy machine; a setup hook must outlast that.
export default mergeConfig(tieredConfig({ realInfra: ['postgres'] }), { test: { hookTimeout: 60_000 } });
