import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { Transaction } from 'kysely';
import type { CoreTables } from '../../core-tables.ts';
import { issueSecret } from '../../credentials.ts';

export const SESSION_COOKIE = 'nlz_session';

export interface SessionSettings {
  ttlHours: number;
  /** Cookies carry `Secure` (production: HTTPS only). */
  secureCookies: boolean;
}

export interface IssuedSession {
  token: string;
  expiresAt: Date;
}

/** Opaque random token; only its SHA-256 is stored, so a database leak yields no usable sessions. */
export async function startSession(
  trx: Transaction<CoreTables>,
  user: { storeId: string; userId: string },
  settings: SessionSettings,
): Promise<IssuedSession> {
  const secret = issueSecret('session');
  const expiresAt = new Date(Date.now() + settings.ttlHours * 3_600_000);
  // Expired sessions of this user are swept here rather than by a job: logins are the moment they pile up.
  await trx
    .deleteFrom('core.sessions')
    .where('user_id', '=', user.userId)
    .where('expires_at', '<', new Date())
    .execute();
  await trx
    .insertInto('core.sessions')
    .values({
      id: randomUUID(),
      store_id: user.storeId,
      user_id: user.userId,
      token_hash: secret.hash,
      expires_at: expiresAt,
    })
    .execute();
  return { token: secret.value, expiresAt };
}

/** SameSite=Lax: the cookie is not sent on cross-site POST/PATCH/DELETE, which is the CSRF defence. */
export function setSessionCookie(
  reply: FastifyReply,
  session: IssuedSession,
  settings: SessionSettings,
): void {
  reply.setCookie(SESSION_COOKIE, session.token, {
    httpOnly: true,
    secure: settings.secureCookies,
    sameSite: 'lax',
    path: '/',
    expires: session.expiresAt,
  });
}

export function clearSessionCookie(reply: FastifyReply, settings: SessionSettings): void {
  reply.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    secure: settings.secureCookies,
    sameSite: 'lax',
    path: '/',
  });
}

export function sessionView(session: IssuedSession) {
  return { token: session.token, expires_at: session.expiresAt.toISOString() };
}
