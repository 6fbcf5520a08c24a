import { randomUUID } from 'node:crypto';
import type { Emit } from '@nlyzer/bus';
import type { ApiKeyRole, ApiKeyView } from '@nlyzer/contracts';
import type { Selectable } from 'kysely';
import type { ApiKeysTable } from '../../core-tables.ts';
import type { CoreTransaction } from '../../core-transaction.ts';
import { issueSecret } from '../../credentials.ts';
import { recordAudit } from '../audit-log/audit-trail.ts';
import type { Actor } from '../auth/principal.ts';

export type ApiKeyRow = Selectable<ApiKeysTable>;

export function toApiKeyView(row: ApiKeyRow): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    role: row.role,
    created_at: row.created_at.toISOString(),
    last_used_at: row.last_used_at?.toISOString() ?? null,
    revoked_at: row.revoked_at?.toISOString() ?? null,
  };
}

/** Creates a key on behalf of the actor's accountable user; the returned `key` is the only copy. */
export async function issueApiKey(
  trx: CoreTransaction,
  emit: Emit,
  spec: { storeId: string; name: string; role: ApiKeyRole },
  actor: Actor,
): Promise<{ row: ApiKeyRow; key: string }> {
  const secret = issueSecret('apiKey');
  const row = await trx
    .insertInto('core.api_keys')
    .values({
      id: randomUUID(),
      store_id: spec.storeId,
      name: spec.name,
      prefix: secret.displayPrefix,
      key_hash: secret.hash,
      role: spec.role,
      created_by_user_id: actor.accountableUserId,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await recordAudit(trx, {
    storeId: spec.storeId,
    actor: actor.audit,
    action: 'api_key.created',
    target: row.id,
    ip: actor.ip,
    details: { name: row.name, role: row.role, prefix: row.prefix },
  });
  await emit('api_key.created', {
    store_id: spec.storeId,
    key_id: row.id,
    role: row.role,
    prefix: row.prefix,
    by_user_id: actor.accountableUserId,
  });
  return { row, key: secret.value };
}

type RevokedKey = Pick<ApiKeyRow, 'id' | 'role' | 'prefix'>;
type RevocationReason = 'revoked' | 'issuer_removed' | 'rotated';

/** Revoked keys stay as rows for the audit trail; each revocation is audited and announced. */
async function recordRevocations(
  trx: CoreTransaction,
  emit: Emit,
  storeId: string,
  keys: readonly RevokedKey[],
  actor: Actor,
  reason: RevocationReason,
): Promise<void> {
  for (const key of keys) {
    await recordAudit(trx, {
      storeId,
      actor: actor.audit,
      action: 'api_key.revoked',
      target: key.id,
      ip: actor.ip,
      details: { prefix: key.prefix, role: key.role, reason },
    });
    await emit('api_key.revoked', {
      store_id: storeId,
      key_id: key.id,
      role: key.role,
      prefix: key.prefix,
      by_user_id: actor.accountableUserId,
    });
  }
}

/**
 * Revokes one key of the transaction's store. Another store's key id is simply not
 * visible under RLS, so it reads as `not_found`. Revoking twice changes nothing.
 */
export async function revokeApiKey(
  trx: CoreTransaction,
  emit: Emit,
  storeId: string,
  keyId: string,
  actor: Actor,
  reason: RevocationReason = 'revoked',
): Promise<'revoked' | 'already_revoked' | 'not_found'> {
  const key = await trx
    .selectFrom('core.api_keys')
    .select(['id', 'role', 'prefix', 'revoked_at'])
    .where('id', '=', keyId)
    .forUpdate()
    .executeTakeFirst();
  if (!key) return 'not_found';
  if (key.revoked_at) return 'already_revoked';
  await trx.updateTable('core.api_keys').set({ revoked_at: new Date() }).where('id', '=', key.id).execute();
  await recordRevocations(trx, emit, storeId, [key], actor, reason);
  return 'revoked';
}

/** A key acts on behalf of the person who issued it, so it stops working when they leave the team. */
export async function revokeKeysIssuedBy(
  trx: CoreTransaction,
  emit: Emit,
  storeId: string,
  issuerUserId: string,
  actor: Actor,
): Promise<void> {
  const keys = await trx
    .updateTable('core.api_keys')
    .set({ revoked_at: new Date() })
    .where('created_by_user_id', '=', issuerUserId)
    .where('revoked_at', 'is', null)
    .returning(['id', 'role', 'prefix'])
    .execute();
  await recordRevocations(trx, emit, storeId, keys, actor, 'issuer_removed');
}
