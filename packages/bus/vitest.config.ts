import { tieredConfig } from '@nlyzer/testing/vitest-config';

export default tieredConfig({ testTimeout: 20_000 });
