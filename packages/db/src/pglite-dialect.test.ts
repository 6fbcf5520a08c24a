import { openAsBlob } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type TestDatabase, tier } from '../../testing/src/index.ts';
import { FIXTURE_SET, type FixtureTables, fixtureDatabase, STORE_A } from '../test/fixture-database.ts';
import { type Database, migrate, openDatabase } from './index.ts';

// PGlite's single connection is what these tests are about; on the real tier
// concurrency is Postgres's own business.
describe.runIf(tier() === 'embedded')('PGlite driver', () => {
  let database: TestDatabase<FixtureTables>;

  beforeAll(async () => {
    database = await fixtureDatabase();
  });

  afterAll(() => database.cleanup());

  it('queues concurrent transactions instead of interleaving them', async () => {
    const { db } = database;
    await db.withStore(STORE_A, (trx) =>
      trx.insertInto('rls_fixture.counters').values({ store_id: STORE_A, value: 0 }).execute(),
    );
    // Read-modify-write without locking: only serialised transactions reach 20.
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.withStore(STORE_A, async (trx) => {
          const { value } = await trx
            .selectFrom('rls_fixture.counters')
            .select('value')
            .executeTakeFirstOrThrow();
          await new Promise((resolve) => setTimeout(resolve, 1));
          await trx
            .updateTable('rls_fixture.counters')
            .set({ value: value + 1 })
            .execute();
        }),
      ),
    );
    const counter = await db.withStore(STORE_A, (trx) =>
      trx.selectFrom('rls_fixture.counters').select('value').executeTakeFirstOrThrow(),
    );
    expect(counter.value).toBe(20);
  });

  it('fails fast, instead of deadlocking, when a transaction reaches for a second connection', async () => {
    const { db } = database;
    await expect(
      db.withStore(STORE_A, () => db.kysely.selectFrom('rls_fixture.notes').selectAll().execute()),
    ).rejects.toMatchObject({
      code: 'connection_reentered',
    });
    await expect(db.transaction(() => db.withStore(STORE_A, async () => {}))).rejects.toMatchObject({
      code: 'connection_reentered',
    });
    // The connection was released: the database still answers.
    await db.ping();
  });

  it('switches the session back to the app role after migrating as the owner', async () => {
    const { db } = database;
    await migrate(db, [FIXTURE_SET]);
    const { rows } = await sql<{ role: string }>`select current_user as role`.execute(db.kysely);
    expect(rows).toEqual([{ role: 'nlyzer_app' }]);
  });

  it('keeps a file-backed database, started from the template, across close and reopen', async () => {
    const dataDir = await mkdtemp(path.join(tmpdir(), 'nlyzer-pglite-'));
    try {
      // A new dataDir starts from the run's initialised cluster; the reopen must ignore it.
      const pgliteTemplate = inject('pgliteTemplate');
      const first = await openDatabase<FixtureTables>({ dataDir, pgliteTemplate });
      await migrate(first, [FIXTURE_SET]);
      await first.withStore(STORE_A, (trx) =>
        trx.insertInto('rls_fixture.notes').values({ store_id: STORE_A, body: 'kept' }).execute(),
      );
      await first.close();

      const second = await openDatabase<FixtureTables>({ dataDir, pgliteTemplate });
      try {
        expect((await migrate(second, [FIXTURE_SET])).flatMap((result) => result.applied)).toEqual([]);
        const bodies = await second.withStore(STORE_A, (trx) =>
          trx.selectFrom('rls_fixture.notes').select('body').execute(),
        );
        expect(bodies).toEqual([{ body: 'kept' }]);
      } finally {
        await second.close();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });

  it('fills a template cache with its first new database and starts later ones from it', async () => {
    const scratch = await mkdtemp(path.join(tmpdir(), 'nlyzer-pglite-cache-'));
    const pgliteTemplateCache = path.join(scratch, 'cache');
    const hasMarker = async (db: Database) => {
      await migrate(db, []); // the app role exists from here on
      const { rows } = await sql<{
        found: boolean;
      }>`select to_regclass('public.from_the_cache') is not null as found`.execute(db.kysely);
      return rows[0]?.found;
    };
    try {
      const first = await openDatabase({ dataDir: path.join(scratch, 'first'), pgliteTemplateCache });
      await first.close();
      const [cached, ...others] = await readdir(pgliteTemplateCache);
      expect(cached).toMatch(/^pglite-\d+\.\d+\.\d+\.tar$/);
      expect(others).toEqual([]);

      // Replace the cached cluster with one holding a marker: a new database must come from it.
      const marked = await PGlite.create({ loadDataDir: await openAsBlob(inject('pgliteTemplate')!) });
      await marked.exec('create table from_the_cache (id int)');
      const dump = await marked.dumpDataDir('none');
      await marked.close();
      await writeFile(path.join(pgliteTemplateCache, cached!), new Uint8Array(await dump.arrayBuffer()));
      for (const dataDir of [path.join(scratch, 'second'), 'memory://']) {
        const db = await openDatabase({ dataDir, pgliteTemplateCache });
        try {
          expect(await hasMarker(db)).toBe(true);
        } finally {
          await db.close();
        }
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });
});
