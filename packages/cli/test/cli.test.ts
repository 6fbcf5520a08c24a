import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SERVICE_NAMES } from '@nlyzer/contracts';
import { tier } from '@nlyzer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portVariable } from '../src/runtime/cli-config.ts';
import { cliEnv, freePort, runCli, spawnCli } from './run-cli.ts';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'nlyzer-cli-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

// The commands' own database is PGlite here; the real tier adds nothing to a spawned CLI.
describe.skipIf(tier() === 'real')('the nlyzer command', () => {
  it('prints every configuration variable', async () => {
    const plain = await runCli(['config'], cliEnv({}));
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Shared by every service');
    expect(plain.stdout).toMatch(/NLYZER_DATA_DIR\s+\.nlyzer\/data\s+PGlite data directory/);
    expect(plain.stdout).toMatch(/NLYZER_PORT_BASE\s+8080/);

    const markdown = await runCli(['config', '--markdown'], cliEnv({}));
    expect(markdown.stdout).toContain('| `NLYZER_DATA_DIR` |');
  });

  it('migrates a fresh data directory and lists no dead letters there', async () => {
    const env = cliEnv({ NLYZER_DATA_DIR: join(scratch, 'one-shot', 'data'), LOG_LEVEL: 'warn' });
    const early = await runCli(['dlq', 'list'], env);
    expect(early.code).toBe(1);
    expect(early.stderr).toContain('run `nlyzer migrate` first');

    const migrated = await runCli(['migrate'], env);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toMatch(/applied scheduler\/\d{4}-\d{2}-\d{2}T\d{4}-job-runs/);

    const listed = await runCli(['dlq', 'list'], env);
    expect(listed).toMatchObject({ code: 0, stdout: 'no dead letters\n' });
    const again = await runCli(['migrate'], env);
    expect(again.stdout).toContain('up to date');
  });

  it('runs `nlyzer dev`: URLs printed, /healthz answering, other commands on its database, SIGINT exits 0', async () => {
    const ports = Object.fromEntries(
      await Promise.all(SERVICE_NAMES.map(async (name) => [portVariable(name), String(await freePort())])),
    );
    const dataDir = join(scratch, 'dev', 'data');
    const env = cliEnv({ ...ports, NLYZER_DATA_DIR: dataDir, NLYZER_DB_PORT: '0', LOG_LEVEL: 'warn' });
    const started = Date.now();
    const dev = spawnCli(['dev'], env);
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no URLs within 60 s:\n${stdout}`)), 60_000);
      dev.stdout?.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Ctrl-C stops everything.')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`nlyzer dev exited with ${code}:\n${stdout}`)));
    });
    expect(Date.now() - started).toBeLessThan(60_000);

    const gateway = /gateway\s+(http:\/\/localhost:\d+)\s/.exec(stdout)?.[1];
    expect(gateway).toBe(`http://localhost:${ports[portVariable('gateway')]}`);
    const health = await fetch(`${gateway}/healthz`);
    expect(health.status).toBe(200);

    const state = JSON.parse(await readFile(join(scratch, 'dev', 'dev.json'), 'utf8'));
    expect(state).toMatchObject({ pid: dev.pid, ports: { gateway: Number(ports[portVariable('gateway')]) } });
    expect(state.databaseUrl).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    // Another command reaches the running dev server's database instead of opening its directory.
    expect(await runCli(['dlq', 'list'], env)).toMatchObject({ code: 0, stdout: 'no dead letters\n' });
    const replay = await runCli(['dlq', 'replay', '999999'], env);
    expect(replay).toMatchObject({ code: 1, stdout: '0 replayed, 1 failed\n' });
    expect(replay.stderr).toContain('could not replay 999999');

    dev.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(existsSync(join(scratch, 'dev', 'dev.json'))).toBe(false);
  });
});
