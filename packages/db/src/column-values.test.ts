import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestDatabase } from '../../testing/src/index.ts';
import { type FixtureTables, fixtureDatabase } from '../test/fixture-database.ts';

// The same assertions run on both tiers: code tested on PGlite sees the
// values it will see on Cloud SQL.
describe('column values are the same JS values on both drivers', () => {
  let database: TestDatabase<FixtureTables>;

  beforeAll(async () => {
    database = await fixtureDatabase();
  });

  afterAll(() => database.cleanup());

  it('round-trips the common column types', async () => {
    const at = new Date('2026-03-04T05:06:07.089Z');
    await sql`
      insert into rls_fixture.samples (id, big, bigs, day, at, doc, amount, bytes, flag)
      values (1, ${42}, ${[1, 2]}, ${'2026-03-04'}, ${at}, ${JSON.stringify({ a: [1, 'x'] })}, ${'12.50'},
              ${new Uint8Array([0, 255])}, ${true})`.execute(database.db.kysely);
    const { rows } = await sql<
      Record<string, unknown>
    >`select * from rls_fixture.samples where id = 1`.execute(database.db.kysely);
    const row = rows[0]!;
    expect({ ...row, bytes: [...(row.bytes as Uint8Array)] }).toEqual({
      id: 1,
      big: 42,
      bigs: [1, 2],
      day: '2026-03-04',
      at,
      doc: { a: [1, 'x'] },
      amount: '12.50',
      bytes: [0, 255],
      flag: true,
    });
  });

  it('returns int8 as a number, and past 2^53 as a bigint', async () => {
    const { rows } = await sql<{ count: unknown; huge: unknown }>`
      select count(*) as count, 9007199254740993::int8 as huge from rls_fixture.samples`.execute(
      database.db.kysely,
    );
    expect(rows[0]).toEqual({ count: expect.any(Number), huge: 9007199254740993n });
  });
});
