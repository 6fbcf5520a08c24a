import { Email } from '@nlyzer/contracts';
import { isUniqueViolation } from '@nlyzer/db';
import { AppError, validationFailed } from '@nlyzer/service-kit';
import { Compile } from 'typebox/compile';

const emailCheck = Compile(Email());

/**
 * The one spelling of an address the gateway stores and compares: trimmed and
 * lowercased (accounts are unique by it across all stores).
 */
export function normalizeEmail(raw: string, field = '/body/email'): string {
  const email = raw.trim().toLowerCase();
  if (!emailCheck.Check(email))
    throw validationFailed([{ path: field, message: 'must be an email address' }]);
  return email;
}

/**
 * For transactions that create a user: the unique index on users.email is the only
 * unique constraint they can hit (every other key is a fresh random value), and it is
 * what settles concurrent signups with one address.
 */
export function emailTakenOnConflict(err: unknown): never {
  if (isUniqueViolation(err)) throw new AppError('email_taken', 'An account with this email already exists');
  throw err;
}
