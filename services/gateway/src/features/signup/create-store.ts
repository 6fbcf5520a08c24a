import type { Emit } from '@nlyzer/bus';
import type { TierName } from '@nlyzer/contracts';
import type { CoreTransaction } from '../../core-transaction.ts';
import { recordAudit } from '../audit-log/audit-trail.ts';

export interface NewStore {
  storeId: string;
  ownerId: string;
  company: string;
  tier: TierName;
  timeZone: string;
  /** Normalised; becomes the owner's login and the billing contact. */
  email: string;
  passwordHash: string;
}

/**
 * The store, its owner, the audit entries and the `store.created` / `user.created`
 * events, in the caller's transaction (scoped to the new store id). A taken email fails
 * on users_email_key and rolls all of it back.
 */
export async function createStoreWithOwner(
  trx: CoreTransaction,
  emit: Emit,
  spec: NewStore,
  ip: string | null,
) {
  const store = await trx
    .insertInto('core.stores')
    .values({
      store_id: spec.storeId,
      company: spec.company,
      tier: spec.tier,
      time_zone: spec.timeZone,
      billing_email: spec.email,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  const owner = await trx
    .insertInto('core.users')
    .values({
      id: spec.ownerId,
      store_id: spec.storeId,
      email: spec.email,
      password_hash: spec.passwordHash,
      role: 'owner',
    })
    .returning(['id', 'email', 'role', 'created_at'])
    .executeTakeFirstOrThrow();

  const actor = { userId: spec.ownerId, apiKeyId: null };
  await recordAudit(trx, {
    storeId: spec.storeId,
    actor,
    action: 'store.created',
    target: spec.storeId,
    ip,
    details: { tier: store.tier, time_zone: store.time_zone },
  });
  await recordAudit(trx, {
    storeId: spec.storeId,
    actor,
    action: 'user.created',
    target: spec.ownerId,
    ip,
    details: { role: 'owner' },
  });
  await emit('store.created', {
    store_id: spec.storeId,
    company: store.company,
    tier: store.tier,
    owner_user_id: spec.ownerId,
    billing_email: spec.email,
    time_zone: store.time_zone,
    created_at: store.created_at.toISOString(),
  });
  await emit('user.created', {
    store_id: spec.storeId,
    user_id: spec.ownerId,
    email: spec.email,
    role: 'owner',
    invited_by_user_id: null,
  });
  return { store, owner };
}
