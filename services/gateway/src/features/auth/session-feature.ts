import { LoginRequest, LoginResponse, MeResponse } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { AppError, notFound, type RouteModule } from '@nlyzer/service-kit';
import type { Transaction } from 'kysely';
import type { CoreTables } from '../../core-tables.ts';
import { normalizeEmail } from '../../email-address.ts';
import type { PasswordHasher } from '../../passwords.ts';
import { recordAudit } from '../audit-log/audit-trail.ts';
import { perIpPerMinute } from '../rate-limits.ts';
import { loadStore, toStoreView } from '../store/store-view.ts';
import { toUserView } from '../team/user-view.ts';
import { findLogin } from './credential-lookup.ts';
import { ALL_ROLES, auditActor, requirePrincipal } from './principal.ts';
import {
  clearSessionCookie,
  type SessionSettings,
  sessionView,
  setSessionCookie,
  startSession,
} from './sessions.ts';

export interface SessionFeatureDeps {
  db: Database;
  passwords: PasswordHasher;
  sessions: SessionSettings;
  loginsPerIpPerMinute: number;
}

const invalidLogin = () => new AppError('invalid_credentials', 'Email or password is incorrect');

export function createSessionFeature(deps: SessionFeatureDeps): RouteModule {
  const { db, passwords, sessions } = deps;
  const core = db.as<CoreTables>();

  return async (app) => {
    app.post(
      '/v1/auth/login',
      {
        schema: { body: LoginRequest, response: { 200: LoginResponse } },
        config: { rateLimit: perIpPerMinute(deps.loginsPerIpPerMinute) },
      },
      async (request, reply) => {
        const email = normalizeEmail(request.body.email);
        const login = await findLogin(db, email);
        if (!login) {
          await passwords.verifyAgainstDummy(request.body.password);
          throw invalidLogin();
        }
        if (!(await passwords.verify(login.password_hash, request.body.password))) throw invalidLogin();

        const { user, session } = await core.withStore(login.store_id, async (trx) => {
          const user = await trx
            .selectFrom('core.users')
            .select(['id', 'email', 'role', 'created_at'])
            .where('id', '=', login.user_id)
            .executeTakeFirstOrThrow();
          const session = await startSession(
            trx,
            { storeId: login.store_id, userId: login.user_id },
            sessions,
          );
          await recordAudit(trx, {
            storeId: login.store_id,
            actor: { userId: login.user_id, apiKeyId: null },
            action: 'session.created',
            target: login.user_id,
            ip: request.ip,
          });
          return { user, session };
        });
        setSessionCookie(reply, session, sessions);
        return { user: toUserView(user), store_id: login.store_id, session: sessionView(session) };
      },
    );

    app.post('/v1/auth/logout', { config: { allow: ALL_ROLES } }, async (request, reply) => {
      const principal = requirePrincipal(request.principal);
      if (principal.sessionId) {
        await core.withStore(principal.storeId, async (trx) => {
          await trx.deleteFrom('core.sessions').where('id', '=', principal.sessionId!).execute();
          await recordAudit(trx, {
            storeId: principal.storeId,
            actor: auditActor(principal),
            action: 'session.ended',
            target: principal.userId,
            ip: request.ip,
          });
        });
      }
      clearSessionCookie(reply, sessions);
      return reply.code(204).send();
    });

    app.get(
      '/v1/me',
      { schema: { response: { 200: MeResponse } }, config: { allow: ALL_ROLES } },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        return core.withStore(principal.storeId, async (trx: Transaction<CoreTables>) => {
          const store = await loadStore(trx, principal.storeId);
          if (!store) throw notFound('The store no longer exists');
          const user = principal.userId
            ? await trx
                .selectFrom('core.users')
                .select(['id', 'email', 'role', 'created_at'])
                .where('id', '=', principal.userId)
                .executeTakeFirst()
            : undefined;
          return {
            principal: {
              kind: principal.kind,
              store_id: principal.storeId,
              user_id: principal.userId,
              key_id: principal.keyId,
              role: principal.role,
            },
            user: user ? toUserView(user) : null,
            store: toStoreView(store),
          };
        });
      },
    );
  };
}
