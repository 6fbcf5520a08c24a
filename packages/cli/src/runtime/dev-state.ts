import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/** What a running `nlyzer dev` publishes so other `nlyzer` commands reach its database. */
export interface DevState {
  pid: number;
  /** The embedded PGlite served over the Postgres wire protocol. */
  databaseUrl: string;
  /** Service name → HTTP port. */
  ports: Record<string, number>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The state of a dev server that is still running; a file left by a killed one is ignored. */
export async function readLiveDevState(path: string): Promise<DevState | null> {
  if (!existsSync(path)) return null;
  const state = JSON.parse(await readFile(path, 'utf8')) as DevState;
  return isAlive(state.pid) ? state : null;
}

export async function writeDevState(path: string, state: DevState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, `${JSON.stringify(state, null, 2)}\n`);
}

export async function removeDevState(path: string): Promise<void> {
  await rm(path, { force: true });
}
