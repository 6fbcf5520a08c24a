import type { Role, TierName } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { sql } from 'kysely';

/*
 * Lookups that run before the store is known. Each calls a SECURITY DEFINER function
 * from the core migration that returns only what authentication needs; everything
 * after the lookup runs in `db.withStore(storeId)` under RLS.
 */

export interface LoginRecord {
  user_id: string;
  store_id: string;
  password_hash: string;
  role: Role;
}

export interface SessionRecord {
  session_id: string;
  user_id: string;
  store_id: string;
  role: Role;
  tier: TierName;
  expires_at: Date;
}

export interface ApiKeyRecord {
  key_id: string;
  store_id: string;
  role: 'admin' | 'analyst';
  tier: TierName;
  created_by_user_id: string;
}

export interface WidgetKeyRecord {
  key_id: string;
  store_id: string;
  allowed_origins: string[];
  tier: TierName;
}

export interface InviteRecord {
  invite_id: string;
  store_id: string;
  email: string;
  role: Role;
  invited_by_user_id: string | null;
  expires_at: Date;
}

async function first<Row>(db: Database, query: ReturnType<typeof sql<Row>>): Promise<Row | undefined> {
  const { rows } = await query.execute(db.kysely);
  return rows[0];
}

export const findLogin = (db: Database, email: string) =>
  first(db, sql<LoginRecord>`select * from core.find_login(${email})`);

export const resolveSession = (db: Database, tokenHash: string) =>
  first(db, sql<SessionRecord>`select * from core.resolve_session(${tokenHash})`);

export const resolveApiKey = (db: Database, keyHash: string) =>
  first(db, sql<ApiKeyRecord>`select * from core.resolve_api_key(${keyHash})`);

export const resolveWidgetKey = (db: Database, keyHash: string) =>
  first(db, sql<WidgetKeyRecord>`select * from core.resolve_widget_key(${keyHash})`);

export const resolveInvite = (db: Database, tokenHash: string) =>
  first(db, sql<InviteRecord>`select * from core.resolve_invite(${tokenHash})`);
