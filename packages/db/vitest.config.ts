// Relative import: @nlyzer/testing depends on @nlyzer/db, so db cannot depend on it back.
import { tieredConfig } from '../testing/src/vitest-config.ts';

export default tieredConfig({ realInfra: ['postgres'] });
