import type { UserView } from '@nlyzer/contracts';
import type { Selectable } from 'kysely';
import type { UsersTable } from '../../core-tables.ts';

export function toUserView(
  row: Pick<Selectable<UsersTable>, 'id' | 'email' | 'role' | 'created_at'>,
): UserView {
  return { id: row.id, email: row.email, role: row.role, created_at: row.created_at.toISOString() };
}
