import { tieredConfig } from './src/vitest-config.ts';

export default tieredConfig();
