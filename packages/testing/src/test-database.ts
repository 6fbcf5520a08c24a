import { randomBytes } from 'node:crypto';
import { type Database, openDatabase } from '@nlyzer/db';
import pg from 'pg';
import { inject } from 'vitest';
import { realInfra, type TestTier, tier } from './real-infra.ts';

export interface TestDatabase<DB = any> {
  db: Database<DB>;
  /** Owner url of the fresh database (real tier only). */
  url: string | undefined;
  tier: TestTier;
  cleanup(): Promise<void>;
}

/**
 * A database nobody else sees: in-memory PGlite on the embedded tier, a fresh
 * `CREATE DATABASE` on the real tier's cluster so test files don't share rows.
 * Migrations are the caller's: `await migrate(db, sets)`.
 */
export async function testDatabase<DB = any>(): Promise<TestDatabase<DB>> {
  const infra = realInfra();
  if (!infra) {
    if (tier() === 'real')
      throw new Error('real tier without a Postgres cluster: the global setup did not start one');
    const db = await openDatabase<DB>({ pgliteTemplate: inject('pgliteTemplate') });
    return { db, url: undefined, tier: 'embedded', cleanup: () => db.close() };
  }
  const name = `t_${randomBytes(8).toString('hex')}`;
  await onCluster(infra.databaseUrl, `create database ${name}`);
  const url = withDatabase(infra.databaseUrl, name);
  const db = await openDatabase<DB>({ url });
  return {
    db,
    url,
    tier: 'real',
    cleanup: async () => {
      await db.close();
      await onCluster(infra.databaseUrl, `drop database if exists ${name} with (force)`);
    },
  };
}

async function onCluster(ownerUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: ownerUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
