import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { type TestDatabase, testDatabase } from '../../testing/src/index.ts';
import { FIXTURE_SET } from '../test/fixture-database.ts';
import { DatabaseError, migrate } from './index.ts';

const fixtureFolder = (name: string) => new URL(`../test/fixtures/${name}/`, import.meta.url);
const BASE_MIGRATION = '2026-01-01T0000-app-role-and-store-rls';

describe('migrate', () => {
  let database: TestDatabase | undefined;

  afterEach(async () => {
    await database?.cleanup();
    database = undefined;
  });

  it('applies the base set, then each set in its own schema, and nothing on a second run', async () => {
    database = await testDatabase();
    expect(await migrate(database.db, [FIXTURE_SET])).toEqual([
      { schema: 'public', applied: [BASE_MIGRATION] },
      { schema: 'rls_fixture', applied: ['2026-01-02T0900-notes-and-counters'] },
    ]);
    expect(await migrate(database.db, [FIXTURE_SET])).toEqual([
      { schema: 'public', applied: [] },
      { schema: 'rls_fixture', applied: [] },
    ]);
    const { rows } = await sql<{ name: string }>`select name from rls_fixture.kysely_migration`.execute(
      database.db.kysely,
    );
    expect(rows).toEqual([{ name: '2026-01-02T0900-notes-and-counters' }]);
  });

  it('concurrent runs on one database apply each migration once', async () => {
    database = await testDatabase();
    const runs = await Promise.all([1, 2, 3].map(() => migrate(database!.db, [FIXTURE_SET])));
    const applied = runs.flatMap((results) => results.flatMap((result) => result.applied));
    expect(applied.sort()).toEqual([BASE_MIGRATION, '2026-01-02T0900-notes-and-counters']);
  });

  it('the app role may use tables created later in a set schema, through default privileges', async () => {
    database = await testDatabase();
    await migrate(database.db, [FIXTURE_SET]);
    await database.db.kysely.insertInto('rls_fixture.samples').values({ id: 1 }).execute();
    expect(await database.db.kysely.selectFrom('rls_fixture.samples').select('id').execute()).toEqual([
      { id: 1 },
    ]);
  });

  it('a failing migration is named, and its set is rolled back', async () => {
    database = await testDatabase();
    const failing = { schema: 'failing_fixture', folder: fixtureFolder('failing-migrations') };
    const error = await migrate(database.db, [failing]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({
      code: 'migration_failed',
      migration: 'failing_fixture/2026-01-02T1000-references-a-missing-table',
    });
    expect((error as Error).message).toContain('failing_fixture/2026-01-02T1000-references-a-missing-table');
    const { rows } = await sql<{ exists: boolean }>`
      select to_regclass('failing_fixture.before_the_failure') is not null as exists`.execute(
      database.db.kysely,
    );
    expect(rows).toEqual([{ exists: false }]);
  });

  it('refuses migration files not named YYYY-MM-DDTHHMM-<what>.ts', async () => {
    database = await testDatabase();
    const misnamed = { schema: 'misnamed_fixture', folder: fixtureFolder('misnamed-migrations') };
    await expect(migrate(database.db, [misnamed])).rejects.toMatchObject({
      code: 'migration_folder_invalid',
      message: expect.stringContaining('add-things.ts'),
    });
  });

  it('refuses a set without a plain schema name, or a missing folder', async () => {
    database = await testDatabase();
    await expect(migrate(database.db, [{ ...FIXTURE_SET, schema: 'Bad-Schema' }])).rejects.toMatchObject({
      code: 'migration_folder_invalid',
    });
    await expect(
      migrate(database.db, [{ schema: 'nowhere', folder: fixtureFolder('does-not-exist') }]),
    ).rejects.toMatchObject({ code: 'migration_folder_invalid' });
  });
});
