import type { Role, TierName } from '@nlyzer/contracts';
import type { AuditActor } from '../audit-log/audit-trail.ts';

/** Who is calling, resolved once per request by the authentication hook. */
export interface Principal {
  kind: 'session' | 'api_key';
  storeId: string;
  /** The signed-in user; null for API keys. */
  userId: string | null;
  /** The API key; null for sessions. */
  keyId: string | null;
  sessionId: string | null;
  role: Role;
  tier: TierName;
  /**
   * The person answerable for what this caller does: the user, or the user who issued
   * the API key. Events name them (`by_user_id`); the audit log names the key itself.
   */
  accountableUserId: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * Roles allowed to call the route. Present → the route needs credentials (session or
     * API key) and a role in the list; absent → the route is public.
     */
    allow?: readonly Role[];
  }
  interface FastifyRequest {
    principal: Principal | null;
  }
}

export const ALL_ROLES: readonly Role[] = ['owner', 'admin', 'analyst', 'agent'];
export const MANAGERS: readonly Role[] = ['owner', 'admin'];
/** Everyone who runs the store's catalog and widget, reading only for analysts; agents only chat. */
export const MERCHANT_READERS: readonly Role[] = ['owner', 'admin', 'analyst'];

export function auditActor(principal: Principal): AuditActor {
  return { userId: principal.userId, apiKeyId: principal.keyId };
}

/** Who a change is recorded against: the audit trail's actor and the user events name. */
export interface Actor {
  audit: AuditActor;
  accountableUserId: string;
  ip: string | null;
}

export function actorOf(principal: Principal, ip: string): Actor {
  return { audit: auditActor(principal), accountableUserId: principal.accountableUserId, ip };
}

/** For handlers of routes that declare `allow`: the hook has set the principal before they run. */
export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal) throw new TypeError('route without `allow` config reached an authenticated handler');
  return principal;
}
