import type { Generated } from 'kysely';
import { type TestDatabase, testDatabase } from '../../testing/src/index.ts';
import { migrate } from '../src/index.ts';

export const FIXTURE_SET = {
  schema: 'rls_fixture',
  folder: new URL('./fixtures/migrations/', import.meta.url),
};

export const STORE_A = '0b9a6c0e-1d2f-4a3b-8c4d-5e6f7a8b9c0a';
export const STORE_B = '1c0b7d1f-2e30-4b4c-9d5e-6f708192a3b1';

export interface FixtureTables {
  'rls_fixture.notes': { id: Generated<string>; store_id: string; body: string };
  'rls_fixture.counters': { store_id: string; value: number };
}

/** A fresh database for this tier with the RLS fixture tables migrated in. */
export async function fixtureDatabase(): Promise<TestDatabase<FixtureTables>> {
  const database = await testDatabase<FixtureTables>();
  await migrate(database.db, [FIXTURE_SET]);
  return database;
}
