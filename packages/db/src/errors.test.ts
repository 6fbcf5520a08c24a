import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../testing/src/index.ts';
import { type FixtureTables, fixtureDatabase, STORE_A } from '../test/fixture-database.ts';
import { isUniqueViolation, SQLSTATE, sqlState } from './index.ts';

describe('driver errors', () => {
  let database: TestDatabase<FixtureTables>;

  beforeAll(async () => {
    database = await fixtureDatabase();
  });

  afterAll(() => database.cleanup());

  const insertNote = (body: string) =>
    database.db.withStore(STORE_A, (trx) =>
      trx.insertInto('rls_fixture.notes').values({ store_id: STORE_A, body }).execute(),
    );

  it('isUniqueViolation recognises a duplicate key from this driver', async () => {
    await insertNote('once');
    const error = await insertNote('once').catch((err: unknown) => err);
    expect(sqlState(error)).toBe(SQLSTATE.uniqueViolation);
    expect(isUniqueViolation(error)).toBe(true);
  });

  it('isUniqueViolation is false for other failures and non-errors', async () => {
    const error = await database.db
      .withStore(STORE_A, (trx) =>
        trx
          .insertInto('rls_fixture.notes')
          .values({ store_id: STORE_A } as never)
          .execute(),
      )
      .catch((err: unknown) => err);
    expect(sqlState(error)).toBe('23502');
    expect(isUniqueViolation(error)).toBe(false);
    expect(isUniqueViolation(new Error('23505'))).toBe(false);
    expect(isUniqueViolation(undefined)).toBe(false);
  });

  it('sqlState follows a wrapping error to its cause', () => {
    expect(sqlState(new Error('wrapped', { cause: { code: '23505' } }))).toBe('23505');
  });
});
