import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabase, tier } from '../../testing/src/index.ts';
import {
  FIXTURE_SET,
  type FixtureTables,
  fixtureDatabase,
  STORE_A,
  STORE_B,
} from '../test/fixture-database.ts';
import {
  type Database,
  DatabaseError,
  migrate,
  openDatabase,
  type ServedDatabase,
  serveDatabase,
} from './index.ts';

// `nlyzer dev` uses its PGlite in process and serves the same instance to other processes.
describe.runIf(tier() === 'embedded')('serveDatabase', () => {
  let database: TestDatabase<FixtureTables>;
  let served: ServedDatabase;
  /** Another process's view, as `nlyzer dlq` opens it. */
  let remote: Database<FixtureTables>;

  const withClient = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: served.url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  const currentUser = async (client: pg.Client) =>
    (await client.query<{ user: string }>('select current_user as user')).rows[0]?.user;
  const counterOf = (db: Database<FixtureTables>, storeId: string) =>
    db.withStore(storeId, (trx) =>
      trx
        .selectFrom('rls_fixture.counters')
        .select('value')
        .where('store_id', '=', storeId)
        .executeTakeFirst(),
    );

  beforeAll(async () => {
    database = await fixtureDatabase();
    served = await serveDatabase(database.db, { port: 0 });
    remote = await openDatabase<FixtureTables>({ url: served.url, poolSize: 4, sharedSession: true });
  });

  afterAll(async () => {
    await remote.close();
    await served.close();
    await database.cleanup();
  });

  it('serves the same PGlite the process keeps using', async () => {
    expect(served.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
    await database.db.withStore(STORE_B, (trx) =>
      trx.insertInto('rls_fixture.notes').values({ store_id: STORE_B, body: 'from the app' }).execute(),
    );
    await remote.withStore(STORE_B, (trx) =>
      trx.insertInto('rls_fixture.notes').values({ store_id: STORE_B, body: 'from a client' }).execute(),
    );
    const read = (db: Database<FixtureTables>) =>
      db.withStore(STORE_B, (trx) =>
        trx.selectFrom('rls_fixture.notes').select('body').orderBy('body').execute(),
      );
    const both = [{ body: 'from a client' }, { body: 'from the app' }];
    expect(await read(database.db)).toEqual(both);
    expect(await read(remote)).toEqual(both);
  });

  it('keeps served and in-process transactions from interleaving', async () => {
    await database.db.withStore(STORE_A, (trx) =>
      trx.insertInto('rls_fixture.counters').values({ store_id: STORE_A, value: 0 }).execute(),
    );
    // Read-modify-write without row locks: every lost update shows as a missing increment.
    const increment = (db: Database<FixtureTables>) =>
      db.withStore(STORE_A, async (trx) => {
        const { value } = await trx
          .selectFrom('rls_fixture.counters')
          .select('value')
          .executeTakeFirstOrThrow();
        await sleep(1);
        await trx
          .updateTable('rls_fixture.counters')
          .set({ value: value + 1 })
          .execute();
      });
    const selectOne = () => withClient(async (client) => (await client.query('select 1 as one')).rows);
    const [, , answers] = await Promise.all([
      Promise.all(Array.from({ length: 20 }, () => increment(database.db))),
      Promise.all(Array.from({ length: 20 }, () => increment(remote))),
      Promise.all(Array.from({ length: 3 }, selectOne)),
    ]);
    expect(answers).toEqual([[{ one: 1 }], [{ one: 1 }], [{ one: 1 }]]);
    expect(await counterOf(database.db, STORE_A)).toEqual({ value: 40 });
  });

  it('holds in-process work back while a served client is inside a transaction', async () => {
    await withClient(async (client) => {
      await client.query('begin');
      await client.query(`select set_config('app.store_id', $1, true)`, [STORE_B]);
      await client.query('insert into rls_fixture.counters (store_id, value) values ($1, 7)', [STORE_B]);
      let appRead: { value: number } | undefined | 'pending' = 'pending';
      const reading = counterOf(database.db, STORE_B).then((row) => {
        appRead = row;
      });
      await sleep(50);
      expect(appRead).toBe('pending');
      await client.query('commit');
      await reading;
      expect(appRead).toEqual({ value: 7 });
    });
  });

  it('rolls back what a client left unfinished when it disconnects', async () => {
    const client = new pg.Client({ connectionString: served.url });
    await client.connect();
    await client.query('begin');
    await client.query(`select set_config('app.store_id', $1, true)`, [STORE_A]);
    await client.query(`insert into rls_fixture.notes (store_id, body) values ($1, 'abandoned')`, [STORE_A]);
    await client.end();
    const notes = await database.db.withStore(STORE_A, (trx) =>
      trx.selectFrom('rls_fixture.notes').select('body').execute(),
    );
    expect(notes).toEqual([]);
  });

  it('runs served app queries as nlyzer_app under RLS while each side keeps its own role', async () => {
    await remote.withStore(STORE_A, (trx) =>
      trx.insertInto('rls_fixture.notes').values({ store_id: STORE_A, body: 'a' }).execute(),
    );
    expect(
      await remote.withStore(STORE_A, (trx) => trx.selectFrom('rls_fixture.notes').select('body').execute()),
    ).toEqual([{ body: 'a' }]);
    expect(await remote.kysely.selectFrom('rls_fixture.notes').selectAll().execute()).toEqual([]);
    const userOf = async (db: Database) =>
      (await sql<{ user: string }>`select current_user as user`.execute(db.kysely)).rows[0]?.user;
    expect(await userOf(remote)).toBe('nlyzer_app');

    // psql and other commands start as the owner, also right after the app ran as nlyzer_app.
    expect(await userOf(database.db)).toBe('nlyzer_app');
    expect(await withClient(currentUser)).toBe('postgres');
    expect((await migrate(remote, [FIXTURE_SET])).flatMap((result) => result.applied)).toEqual([]);

    // A served client's own SET ROLE survives the app's turns in between, and does not leak into them.
    await withClient(async (client) => {
      await client.query('set role nlyzer_app');
      expect(await userOf(database.db)).toBe('nlyzer_app');
      await database.db.withStore(STORE_A, (trx) =>
        trx.selectFrom('rls_fixture.notes').select('body').execute(),
      );
      expect(await currentUser(client)).toBe('nlyzer_app');
      await client.query('reset role');
    });
    await withClient(async (client) => {
      await client.query('set role nlyzer_app');
      await expect(migrate(database.db, [FIXTURE_SET])).resolves.toHaveLength(2);
      expect(await currentUser(client)).toBe('nlyzer_app');
      await client.query('reset role');
    });
  });

  it('refuses a database that is not PGlite', async () => {
    const postgres = await openDatabase({ url: 'postgres://postgres@127.0.0.1:1/none' });
    try {
      const error = await serveDatabase(postgres, { port: 0 }).catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toMatchObject({ code: 'not_pglite' });
    } finally {
      await postgres.close();
    }
  });

  it('closes while a client sits inside a transaction, so the database can close after it', async () => {
    const own = await testDatabase();
    const server = await serveDatabase(own.db, { port: 0 });
    const client = new pg.Client({ connectionString: server.url });
    client.on('error', () => {});
    await client.connect();
    await client.query('begin');
    await server.close();
    await own.cleanup();
    await expect(client.query('select 1')).rejects.toThrow();
    await client.end().catch(() => {});
    await expect(new pg.Client({ connectionString: server.url }).connect()).rejects.toThrow();
  });
});
