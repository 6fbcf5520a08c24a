import type { Platform, Role, TierName, WidgetTheme } from '@nlyzer/contracts';
import type { ColumnType, Generated } from 'kysely';

/** Row types of the gateway's `core` schema (migrations/ is the source of truth). */
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface StoresTable {
  store_id: string;
  company: string;
  tier: TierName;
  time_zone: string;
  billing_email: string;
  platform: Platform | null;
  search_confidence_threshold: ColumnType<number, number | undefined, number>;
  widget_theme: ColumnType<WidgetTheme | null, string | null | undefined, string | null>;
  live_at: NullableTimestamp;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface UsersTable {
  id: string;
  store_id: string;
  email: string;
  password_hash: string;
  role: Role;
  created_at: CreatedAt;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface SessionsTable {
  id: string;
  store_id: string;
  user_id: string;
  token_hash: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
}

export interface InvitesTable {
  id: string;
  store_id: string;
  email: string;
  role: Role;
  token_hash: string;
  invited_by_user_id: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  accepted_at: NullableTimestamp;
}

export interface ApiKeysTable {
  id: string;
  store_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  role: 'admin' | 'analyst';
  created_by_user_id: string;
  created_at: CreatedAt;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

export interface WidgetKeysTable {
  id: string;
  store_id: string;
  prefix: string;
  key_hash: string;
  allowed_origins: string[];
  /** The key sealed by widget-key-sealing.ts; null for keys issued before sealing existed. */
  key_sealed: string | null;
  created_by_user_id: string;
  created_at: CreatedAt;
  revoked_at: NullableTimestamp;
}

export interface AuditLogTable {
  id: Generated<number>;
  store_id: string;
  at: CreatedAt;
  actor_user_id: string | null;
  actor_api_key_id: string | null;
  action: string;
  target: string | null;
  ip: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
}

export interface CoreTables {
  'core.stores': StoresTable;
  'core.users': UsersTable;
  'core.sessions': SessionsTable;
  'core.invites': InvitesTable;
  'core.api_keys': ApiKeysTable;
  'core.widget_keys': WidgetKeysTable;
  'core.audit_log': AuditLogTable;
}
