import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The monorepo root: relative paths in the CLI's config (the PGlite data dir) are read from here. */
export const WORKSPACE_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

export function fromWorkspace(path: string): string {
  return resolve(WORKSPACE_ROOT, path);
}

/** The PGlite directory for a NLYZER_DATA_DIR value (`memory://` stays as it is). */
export function resolveDataDir(dataDir: string): string {
  return dataDir === 'memory://' ? dataDir : fromWorkspace(dataDir);
}

/**
 * `dev.json` sits beside the data directory (`.nlyzer/dev.json` for the default
 * `.nlyzer/data`), so a dev server on another data dir never overwrites it.
 */
export function devStatePath(dataDir: string): string {
  return join(dirname(resolveDataDir(dataDir)), 'dev.json');
}
