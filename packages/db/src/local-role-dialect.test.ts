import { openAsBlob } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { tier } from '../../testing/src/index.ts';
import { FIXTURE_SET, type FixtureTables, STORE_A, STORE_B } from '../test/fixture-database.ts';
import { type Database, migrate, openDatabase } from './index.ts';

// `nlyzer dev` serves its PGlite over the wire: every client shares its one session.
describe.runIf(tier() === 'embedded')('sharedSession over a served PGlite', () => {
  let pglite: PGlite;
  let server: PGLiteSocketServer;
  let url: string;
  const opened: Database[] = [];

  const open = async () => {
    const db = await openDatabase<FixtureTables>({ url, poolSize: 1, sharedSession: true });
    opened.push(db);
    return db;
  };

  const currentUserOfAFreshClient = async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<{ user: string }>('select current_user as user')).rows[0]?.user;
    } finally {
      await client.end();
    }
  };

  beforeAll(async () => {
    const template = inject('pgliteTemplate');
    pglite = await PGlite.create(template ? { loadDataDir: await openAsBlob(template) } : {});
    server = new PGLiteSocketServer({ db: pglite, host: '127.0.0.1', port: 0, maxConnections: 8 });
    await server.start();
    url = `postgres://postgres@${server.getServerConn()}/postgres`;
  });

  afterAll(async () => {
    await Promise.all(opened.map((db) => db.close()));
    await server.stop();
    await pglite.close();
  });

  it('runs the app as nlyzer_app under RLS while other clients keep their own role', async () => {
    const dev = await open();
    await migrate(dev, [FIXTURE_SET]);
    await dev.withStore(STORE_A, (trx) =>
      trx.insertInto('rls_fixture.notes').values({ store_id: STORE_A, body: 'a' }).execute(),
    );
    await dev.withStore(STORE_B, (trx) =>
      trx.insertInto('rls_fixture.notes').values({ store_id: STORE_B, body: 'b' }).execute(),
    );
    expect(
      await dev.withStore(STORE_A, (trx) => trx.selectFrom('rls_fixture.notes').select('body').execute()),
    ).toEqual([{ body: 'a' }]);
    expect(await dev.kysely.selectFrom('rls_fixture.notes').selectAll().execute()).toEqual([]);
    const { rows } = await sql<{ user: string }>`select current_user as user`.execute(dev.kysely);
    expect(rows).toEqual([{ user: 'nlyzer_app' }]);

    // Another command (`nlyzer migrate`) and a psql session still start as the owner.
    expect(await currentUserOfAFreshClient()).toBe('postgres');
    const command = await open();
    expect((await migrate(command, [FIXTURE_SET])).flatMap((result) => result.applied)).toEqual([]);
  });
});
