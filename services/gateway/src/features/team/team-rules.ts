import type { Role } from '@nlyzer/contracts';
import { conflict } from '@nlyzer/service-kit';

/**
 * Owners grant and manage any role; admins only the roles below them (analyst, agent),
 * so no one can hand out more power than they hold or act on a peer's or superior's account.
 */
export function mayGrant(actor: Role, role: Role): boolean {
  return actor === 'owner' || (actor === 'admin' && (role === 'analyst' || role === 'agent'));
}

/** A store without an owner could never grant owner or admin again. */
export function assertOwnerRemains(owners: readonly string[], leavingUserId: string): void {
  if (!owners.some((id) => id !== leavingUserId)) {
    throw conflict('A store keeps at least one owner: make someone else owner first');
  }
}

export const INVITE_TTL_MS = 7 * 24 * 3_600_000;
