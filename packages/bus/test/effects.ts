// The tests' and the bench's observable effect: one row per handled event, under RLS.
// Kept free of vitest so the bench can import it too.
import type { Envelope } from '@nlyzer/contracts';
import type { MigrationSet } from '@nlyzer/db';
import type { Generated, Transaction } from 'kysely';
import type { BusTables } from '../src/tables.ts';

export const testMigrations: MigrationSet = {
  schema: 'bus_test',
  folder: new URL('./migrations/', import.meta.url),
};

export interface TestTables extends BusTables {
  'bus_test.effects': {
    id: Generated<number>;
    subscription: string;
    event_id: string;
    store_id: string;
    seq: number;
  };
  'bus_test.platform_effects': { id: Generated<number>; subscription: string; event_id: string };
}

/** Records that `subscription` handled this invoice.paid event (seq = its amount). */
export async function insertEffect(
  trx: Transaction<any>,
  subscription: string,
  envelope: Envelope<'invoice.paid'>,
): Promise<void> {
  await trx
    .insertInto('bus_test.effects')
    .values({
      subscription,
      event_id: envelope.event_id,
      store_id: envelope.payload.store_id,
      seq: envelope.payload.amount_cents,
    })
    .execute();
}
