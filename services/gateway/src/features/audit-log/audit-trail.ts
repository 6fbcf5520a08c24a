import type { Transaction } from 'kysely';
import type { CoreTables } from '../../core-tables.ts';

/** Who did it: a dashboard user, an API key, or the platform itself (both null). */
export interface AuditActor {
  userId: string | null;
  apiKeyId: string | null;
}

export const SYSTEM_ACTOR: AuditActor = { userId: null, apiKeyId: null };

export interface AuditEntry {
  storeId: string;
  actor: AuditActor;
  /** `<entity>.<verb>`, the same vocabulary as the event topics (e.g. `api_key.created`). */
  action: string;
  /** Id of the thing acted on. */
  target: string | null;
  ip: string | null;
  /** Facts about the change. Never secrets: no passwords, tokens or key values. */
  details?: Record<string, unknown>;
}

/** Must run in the transaction that makes the change, so the trail and the change commit together. */
export async function recordAudit(trx: Transaction<CoreTables>, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('core.audit_log')
    .values({
      store_id: entry.storeId,
      actor_user_id: entry.actor.userId,
      actor_api_key_id: entry.actor.apiKeyId,
      action: entry.action,
      target: entry.target,
      ip: entry.ip,
      details: JSON.stringify(entry.details ?? {}),
    })
    .execute();
}
