import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writePgliteTemplate } from '@nlyzer/db';
import type { TestProject } from 'vitest/node';
import { type PostgresCluster, startPostgres } from './postgres-cluster.ts';
import { type PubSubEmulator, startPubSubEmulator } from './pubsub-emulator.ts';
import type { RealInfraKind } from './real-infra-prerequisites.ts';

type Teardown = () => Promise<void>;

/**
 * Global setup of both tiers, once per run. `embedded`: one initialised PGlite
 * cluster on disk that every in-memory test database starts from. `real`: one
 * Postgres cluster and one Pub/Sub emulator (`tieredConfig` leaves the real
 * project out when they are not installed). Handed to tests through `provide`.
 */
export default async function setup(project: TestProject): Promise<Teardown> {
  return project.config.env?.NLYZER_TEST_TIER === 'real'
    ? setupRealTier(project)
    : setupEmbeddedTier(project);
}

async function setupEmbeddedTier(project: TestProject): Promise<Teardown> {
  const dir = await mkdtemp(path.join(tmpdir(), 'nlyzer-pglite-template-'));
  const template = path.join(dir, 'pristine.tar');
  try {
    await writePgliteTemplate(template);
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  project.provide('pgliteTemplate', template);
  return () => rm(dir, { recursive: true, force: true });
}

async function setupRealTier(project: TestProject): Promise<Teardown> {
  const wanted = wantedInfra(project);
  const started: { stop(): Promise<void> }[] = [];
  const stopAll = async () => {
    await Promise.allSettled(started.map((service) => service.stop()));
  };
  const track = async <T extends PostgresCluster | PubSubEmulator>(starting: Promise<T>): Promise<T> => {
    const service = await starting;
    started.push(service);
    return service;
  };
  try {
    const [postgres, pubsub] = await Promise.all([
      wanted.includes('postgres') ? track(startPostgres()) : undefined,
      wanted.includes('pubsub') ? track(startPubSubEmulator()) : undefined,
    ]);
    project.provide('databaseUrl', postgres?.url);
    project.provide('pubsubEmulatorHost', pubsub?.host);
  } catch (err) {
    await stopAll();
    throw err;
  }
  return stopAll;
}

function wantedInfra(project: TestProject): RealInfraKind[] {
  const listed = project.config.env?.NLYZER_REAL_INFRA ?? 'postgres,pubsub';
  return String(listed)
    .split(',')
    .filter((kind): kind is RealInfraKind => kind === 'postgres' || kind === 'pubsub');
}
