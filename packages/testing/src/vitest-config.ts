import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration, type ViteUserConfig } from 'vitest/config';
import { missingRealInfra, type RealInfraKind } from './real-infra-prerequisites.ts';

export interface TieredConfigOptions {
  /** What the `real` project needs started; default both. */
  realInfra?: RealInfraKind[];
  /** Per-test timeout on the embedded tier (the real tier gets twice as long). Default 20 s. */
  testTimeout?: number;
}

const include = ['src/**/*.test.ts', 'test/**/*.test.ts'];
const globalSetup = fileURLToPath(new URL('./global-setup.ts', import.meta.url));

/**
 * Two vitest projects over the same test files: `embedded` (PGlite,
 * in-process bus) and `real` (a throwaway Postgres 15 cluster and the Pub/Sub
 * emulator, started once per run). Tests tell them apart with `tier()`.
 * Without the binaries the real project is left out with one line, or the
 * run fails when CI=true.
 */
export function tieredConfig(options: TieredConfigOptions = {}): ViteUserConfig {
  const testTimeout = options.testTimeout ?? 20_000;
  const realInfra = options.realInfra ?? ['postgres', 'pubsub'];
  const projects: TestProjectInlineConfiguration[] = [
    {
      extends: true,
      test: {
        name: 'embedded',
        include,
        testTimeout,
        hookTimeout: 60_000,
        env: { NLYZER_TEST_TIER: 'embedded' },
        globalSetup: [globalSetup],
      },
    },
  ];
  const missing = missingRealInfra(realInfra);
  if (missing === null) {
    projects.push({
      extends: true,
      test: {
        name: 'real',
        include,
        testTimeout: testTimeout * 2,
        hookTimeout: 120_000,
        env: { NLYZER_TEST_TIER: 'real', NLYZER_REAL_INFRA: realInfra.join(',') },
        globalSetup: [globalSetup],
      },
    });
  } else if (process.env.CI === 'true') {
    throw new Error(`${missing} (required when CI=true)`);
  } else {
    console.warn(missing);
  }
  return defineConfig({ test: { projects } });
}
