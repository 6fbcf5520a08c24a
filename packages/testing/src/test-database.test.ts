import { migrate } from '@nlyzer/db';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { tier } from './real-infra.ts';
import { testDatabase } from './test-database.ts';

describe('testDatabase', () => {
  it('gives each caller a database of its own, on this tier', async () => {
    const [first, second] = await Promise.all([testDatabase(), testDatabase()]);
    try {
      expect(first.tier).toBe(tier());
      expect(first.db.driver).toBe(tier() === 'real' ? 'postgres' : 'pglite');
      const applied = async (database: typeof first) =>
        (await migrate(database.db, [])).flatMap((result) => result.applied);
      expect(await applied(first)).toHaveLength(1);
      // The second database has not seen the first one's migration.
      expect(await applied(second)).toHaveLength(1);
      expect(await applied(first)).toEqual([]);
    } finally {
      await Promise.all([first.cleanup(), second.cleanup()]);
    }
  });

  it.runIf(tier() === 'real')('drops the real-tier database on cleanup', async () => {
    const database = await testDatabase();
    await database.cleanup();
    const client = new pg.Client({ connectionString: database.url });
    const error = await client.connect().catch((err: unknown) => err);
    expect(error).toMatchObject({ code: '3D000' });
  });
});
