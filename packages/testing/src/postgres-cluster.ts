import { execFile, execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.ts';

const run = promisify(execFile);

/** Where the Postgres 15 server binaries live (Debian/Ubuntu layout unless NLYZER_PG_BIN says otherwise). */
export const POSTGRES_BIN = process.env.NLYZER_PG_BIN ?? '/usr/lib/postgresql/15/bin';

export interface PostgresCluster {
  /** Superuser (owner) url of the cluster's `postgres` database. */
  url: string;
  stop(): Promise<void>;
}

// Durability is worthless for a throwaway cluster; connections are plentiful because every test file opens pools.
const SERVER_OPTIONS =
  '-F -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200';

/** Postgres refuses to run as root: as root, run its binaries as the `postgres` user. */
function asServerUser(binary: string, args: string[]): [string, string[]] {
  const file = path.join(POSTGRES_BIN, binary);
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
}

/** A throwaway Postgres 15 cluster in a temp dir, trust auth, on a free port. */
export async function startPostgres(): Promise<PostgresCluster> {
  const root = mkdtempSync(path.join(tmpdir(), 'nlyzer-pg-'));
  if (process.getuid?.() === 0) {
    const { uid, gid } = postgresUser();
    chownSync(root, uid, gid);
  }
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const stopNow = () => {
    try {
      execFileSync(...asServerUser('pg_ctl', ['-D', dataDir, 'stop', '-m', 'immediate']), {
        stdio: 'ignore',
      });
    } catch {
      // Not running (never started, or already stopped): nothing to stop.
    }
    rmSync(root, { recursive: true, force: true });
  };
  // A test run killed before its teardown still takes its cluster down.
  process.once('exit', stopNow);
  try {
    await run(
      ...asServerUser('initdb', [
        '-D',
        dataDir,
        '-U',
        'postgres',
        '--auth=trust',
        '-E',
        'UTF8',
        '--no-locale',
      ]),
    );
    await run(
      ...asServerUser('pg_ctl', [
        '-D',
        dataDir,
        '-l',
        path.join(root, 'server.log'),
        '-w',
        '-o',
        `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 ${SERVER_OPTIONS}`,
        'start',
      ]),
    );
  } catch (err) {
    process.removeListener('exit', stopNow);
    stopNow();
    throw err;
  }
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop: async () => {
      process.removeListener('exit', stopNow);
      stopNow();
    },
  };
}

function postgresUser(): { uid: number; gid: number } {
  const [uid, gid] = ['-u', '-g'].map((flag) =>
    Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' })),
  );
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error('no postgres user to run the cluster as');
  return { uid: uid!, gid: gid! };
}
