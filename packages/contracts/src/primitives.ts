// Building blocks shared by event payloads and HTTP bodies, so every uuid, timestamp and
// enum is spelled (and validated) the same way everywhere.
import Type from 'typebox';
import { Format } from 'typebox/format';

// JSON Schema has no time-zone format; registered here, next to the only schema that uses
// it, so every validator compiled from these schemas checks it.
Format.Set('time-zone', isTimeZone);

/** Whether the runtime's time-zone database knows `name` (IANA names such as `Asia/Kolkata`, or `UTC`). */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

export const Uuid = () => Type.String({ format: 'uuid' });
export const NullableUuid = () => Type.Union([Uuid(), Type.Null()]);
export const DateTime = () => Type.String({ format: 'date-time' });
/** A calendar day, `YYYY-MM-DD`. */
export const DateOnly = () => Type.String({ format: 'date' });
export const Email = () => Type.String({ format: 'email', maxLength: 254 });
export const Url = () => Type.String({ format: 'uri', maxLength: 2048 });
export const Count = () => Type.Integer({ minimum: 0 });
export const Cents = () => Type.Integer({ minimum: 0 });
/** A probability-like score in [0, 1] (confidence, similarity, error rate). */
export const Ratio = () => Type.Number({ minimum: 0, maximum: 1 });
export const Sha256Hex = () => Type.String({ pattern: '^[0-9a-f]{64}$' });
/** Opaque identifier chosen by a client (widget session, platform product id). */
export const OpaqueId = () => Type.String({ minLength: 1, maxLength: 128 });
/** IANA time zone name, e.g. `Europe/Berlin` or `UTC`. */
export const TimeZone = () => Type.String({ minLength: 1, maxLength: 64, format: 'time-zone' });

export const ROLES = ['owner', 'admin', 'analyst', 'agent'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = () => Type.Enum(ROLES);

export const PLATFORMS = ['shopify', 'woocommerce', 'custom'] as const;
export type Platform = (typeof PLATFORMS)[number];
export const PlatformSchema = () => Type.Enum(PLATFORMS);

export const SEARCH_KINDS = ['image', 'text', 'hybrid', 'similar'] as const;
export type SearchKind = (typeof SEARCH_KINDS)[number];

export const USAGE_METRICS = ['searches', 'concierge_sessions'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

export const NOTIFICATION_CHANNELS = ['email', 'push', 'sms', 'slack', 'dashboard'] as const;
export type NotificationChannel = (typeof NOTIFICATION_CHANNELS)[number];

/** Feature flag keys: `visual_search_enabled`, `search_algorithm_v2`. */
export const FlagKey = () => Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$' });
