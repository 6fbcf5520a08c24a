import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../testing/src/index.ts';
import { type FixtureTables, fixtureDatabase, STORE_A, STORE_B } from '../test/fixture-database.ts';
import { APP_ROLE, DatabaseError, SQLSTATE, sqlState } from './index.ts';

describe('store isolation (RLS)', () => {
  let database: TestDatabase<FixtureTables>;

  beforeAll(async () => {
    database = await fixtureDatabase();
    const { db } = database;
    await db.withStore(STORE_A, (trx) =>
      trx
        .insertInto('rls_fixture.notes')
        .values([
          { store_id: STORE_A, body: 'a1' },
          { store_id: STORE_A, body: 'a2' },
        ])
        .execute(),
    );
    await db.withStore(STORE_B, (trx) =>
      trx.insertInto('rls_fixture.notes').values({ store_id: STORE_B, body: 'b1' }).execute(),
    );
  });

  afterAll(() => database.cleanup());

  it("a query that forgets its store_id filter still returns only the current store's rows", async () => {
    const rows = await database.db.withStore(STORE_A, (trx) =>
      trx.selectFrom('rls_fixture.notes').selectAll().execute(),
    );
    expect(rows.map((row) => row.body).sort()).toEqual(['a1', 'a2']);
    expect(new Set(rows.map((row) => row.store_id))).toEqual(new Set([STORE_A]));
  });

  it('outside any store the table reads as empty', async () => {
    const { db } = database;
    expect(await db.kysely.selectFrom('rls_fixture.notes').selectAll().execute()).toEqual([]);
    expect(await db.transaction((trx) => trx.selectFrom('rls_fixture.notes').selectAll().execute())).toEqual(
      [],
    );
  });

  it("writing a row for another store is refused by the policy's WITH CHECK", async () => {
    const attempt = database.db.withStore(STORE_A, (trx) =>
      trx.insertInto('rls_fixture.notes').values({ store_id: STORE_B, body: 'smuggled' }).execute(),
    );
    const error = await attempt.catch((err: unknown) => err);
    expect(sqlState(error)).toBe(SQLSTATE.insufficientPrivilege);
    const bRows = await database.db.withStore(STORE_B, (trx) =>
      trx.selectFrom('rls_fixture.notes').select('body').execute(),
    );
    expect(bRows).toEqual([{ body: 'b1' }]);
  });

  it("updates and deletes cannot reach another store's rows", async () => {
    const { db } = database;
    const [updated, deleted] = await db.withStore(STORE_A, async (trx) => [
      await trx
        .updateTable('rls_fixture.notes')
        .set({ body: 'overwritten' })
        .where('body', '=', 'b1')
        .executeTakeFirst(),
      await trx.deleteFrom('rls_fixture.notes').where('body', '=', 'b1').executeTakeFirst(),
    ]);
    expect(updated?.numUpdatedRows).toBe(0n);
    expect(deleted?.numDeletedRows).toBe(0n);
  });

  it('the store setting lasts only for its transaction', async () => {
    const { db } = database;
    await db.withStore(STORE_A, async () => {});
    const setting = await db.transaction(async (trx) => {
      const { rows } = await sql<{
        store: string | null;
      }>`select current_setting('app.store_id', true) as store`.execute(trx);
      return rows[0]?.store;
    });
    expect(setting || null).toBeNull();
  });

  it('every application query runs as the app role, which cannot bypass RLS', async () => {
    const { db } = database;
    const whoAmI = sql<{ role: string; bypass: boolean; superuser: boolean }>`
      select current_user as role, rolbypassrls as bypass, rolsuper as superuser
      from pg_roles where rolname = current_user`;
    const expected = [{ role: APP_ROLE, bypass: false, superuser: false }];
    expect((await db.withStore(STORE_A, (trx) => whoAmI.execute(trx))).rows).toEqual(expected);
    expect((await db.transaction((trx) => whoAmI.execute(trx))).rows).toEqual(expected);
    expect((await whoAmI.execute(db.kysely)).rows).toEqual(expected);
  });

  it('withStore refuses a store id that is not a uuid, before touching the database', async () => {
    let ran = false;
    for (const bad of ['store-a', '', `${STORE_A}'; drop table x; --`, 42 as unknown as string]) {
      const error = await database.db
        .withStore(bad, async () => {
          ran = true;
        })
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toMatchObject({ code: 'invalid_store_id' });
    }
    expect(ran).toBe(false);
  });

  it('a failing callback rolls its writes back', async () => {
    const { db } = database;
    const boom = new Error('boom');
    await expect(
      db.withStore(STORE_A, async (trx) => {
        await trx
          .insertInto('rls_fixture.notes')
          .values({ store_id: STORE_A, body: 'rolled back' })
          .execute();
        throw boom;
      }),
    ).rejects.toBe(boom);
    const bodies = await db.withStore(STORE_A, (trx) =>
      trx.selectFrom('rls_fixture.notes').select('body').where('body', '=', 'rolled back').execute(),
    );
    expect(bodies).toEqual([]);
  });
});
