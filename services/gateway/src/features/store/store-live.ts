import type { ConsumerHandler } from '@nlyzer/bus';
import type { CoreTransaction } from '../../core-transaction.ts';

/**
 * `onboarding.completed`: the first catalog import is searchable, so the store is live.
 * Runs in the consumer's transaction, already scoped to the event's store; the first
 * completion wins, so a redelivered or later event keeps the original time.
 */
export const markStoreLive: ConsumerHandler<'onboarding.completed'> = async (envelope, { trx }) => {
  await (trx as CoreTransaction)
    .updateTable('core.stores')
    .set({ live_at: new Date(envelope.occurred_at), updated_at: new Date() })
    .where('store_id', '=', envelope.payload.store_id)
    .where('live_at', 'is', null)
    .execute();
};
