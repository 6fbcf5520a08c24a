import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from './free-port.ts';

export interface PubSubEmulator {
  /** `127.0.0.1:PORT`, the value PUBSUB_EMULATOR_HOST takes. */
  host: string;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/** The Google Cloud Pub/Sub emulator on a free port, its data in a temp dir. */
export async function startPubSubEmulator(): Promise<PubSubEmulator> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'nlyzer-pubsub-'));
  const host = `127.0.0.1:${await freePort()}`;
  // Detached: gcloud starts a Java child, and only a process-group kill reaches both.
  const child = spawn(
    'gcloud',
    ['beta', 'emulators', 'pubsub', 'start', `--host-port=${host}`, `--data-dir=${dataDir}`, '--quiet'],
    { detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const killGroup = (signal: NodeJS.Signals | 0): boolean => {
    try {
      if (child.pid) process.kill(-child.pid, signal);
      return true;
    } catch {
      return false; // ESRCH: no process of the group is left.
    }
  };
  // The gcloud wrapper exits at once on SIGTERM while its Java child is still shutting down,
  // so "stopped" means the whole group is gone, not just the process we spawned.
  const groupGone = async (withinMs: number) => {
    const deadline = Date.now() + withinMs;
    while (killGroup(0)) {
      if (Date.now() > deadline) return false;
      await sleep(100);
    }
    return true;
  };
  const killNow = () => {
    killGroup('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  };
  process.once('exit', killNow);
  const stop = async () => {
    process.removeListener('exit', killNow);
    killGroup('SIGTERM');
    if (!(await groupGone(5_000))) {
      killGroup('SIGKILL');
      await groupGone(5_000);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  while (!(await answers(host))) {
    if (exitCode !== undefined || Date.now() > deadline) {
      await stop();
      const why =
        exitCode !== undefined ? `exited with ${exitCode}` : `not ready after ${READY_TIMEOUT_MS} ms`;
      throw new Error(`Pub/Sub emulator ${why}:\n${output}`);
    }
    await sleep(200);
  }
  return { host, stop };
}

async function answers(host: string): Promise<boolean> {
  try {
    const response = await fetch(`http://${host}/`, { signal: AbortSignal.timeout(1_000) });
    await response.body?.cancel();
    return response.ok;
  } catch {
    return false;
  }
}
