import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Owner url of the throwaway Postgres 15 cluster (real tier, when it could start). */
    databaseUrl: string | undefined;
    /** `127.0.0.1:PORT` of the Pub/Sub emulator (real tier, when it could start). */
    pubsubEmulatorHost: string | undefined;
    /** Tarball of an initialised PGlite cluster (embedded tier): in-memory databases start from it. */
    pgliteTemplate: string | undefined;
  }
}

export type TestTier = 'embedded' | 'real';

export interface RealInfra {
  databaseUrl: string;
  pubsubEmulatorHost: string | undefined;
}

/** The vitest project this test runs in, as set by `tieredConfig`. */
export function tier(): TestTier {
  return process.env.NLYZER_TEST_TIER === 'real' ? 'real' : 'embedded';
}

/** The real tier's cluster and emulator, or null on the embedded tier or when they are not installed. */
export function realInfra(): RealInfra | null {
  if (tier() !== 'real') return null;
  const databaseUrl = inject('databaseUrl');
  if (!databaseUrl) return null;
  return { databaseUrl, pubsubEmulatorHost: inject('pubsubEmulatorHost') };
}
