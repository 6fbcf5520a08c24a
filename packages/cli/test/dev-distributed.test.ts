import { SERVICE_NAMES } from '@nlyzer/contracts';
import { realInfra, type TestDatabase, testDatabase, tier } from '@nlyzer/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portVariable } from '../src/runtime/cli-config.ts';
import { cliEnv, freePort, runCli, spawnCli } from './run-cli.ts';

describe.skipIf(tier() === 'real')('nlyzer dev --distributed without real infrastructure', () => {
  it('names each missing variable', async () => {
    const result = await runCli(['dev', '--distributed'], cliEnv({}));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('DATABASE_URL');
    expect(result.stderr).toContain('PUBSUB_EMULATOR_HOST');
  });
});

describe.skipIf(tier() !== 'real')('nlyzer dev --distributed', () => {
  let database: TestDatabase;

  beforeAll(async () => {
    database = await testDatabase();
  });
  afterAll(() => database?.cleanup());

  it('runs each service as its own process on Postgres and the Pub/Sub emulator, and stops them all', async () => {
    const infra = realInfra()!;
    const ports = Object.fromEntries(
      await Promise.all(SERVICE_NAMES.map(async (name) => [portVariable(name), String(await freePort())])),
    );
    const dev = spawnCli(
      ['dev', '--distributed'],
      cliEnv({
        ...ports,
        DATABASE_URL: database.url!,
        PUBSUB_EMULATOR_HOST: infra.pubsubEmulatorHost!,
        LOG_LEVEL: 'info',
      }),
    );
    let stdout = '';
    const exited = new Promise<number | null>((resolve) => dev.once('exit', resolve));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`not up within 90 s:\n${stdout}`)), 90_000);
      dev.stdout?.on('data', (chunk) => {
        stdout += chunk;
        if (stdout.includes('Ctrl-C stops every process.')) {
          clearTimeout(timer);
          resolve();
        }
      });
      void exited.then((code) => reject(new Error(`exited with ${code}:\n${stdout}`)));
    });

    expect(stdout).toMatch(/gateway\s+http:\/\/localhost:\d+\s+\S+\s+up/);
    const health = await fetch(`http://127.0.0.1:${ports[portVariable('gateway')]}/readyz`);
    expect(health.status).toBe(200);
    // Child output is prefixed with the process it came from.
    expect(stdout).toMatch(/^\[gateway\]\s+\{/m);
    expect(stdout).toMatch(/^\[scheduler\]\s+\{.*scheduler started/m);

    dev.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
