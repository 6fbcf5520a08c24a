import { randomUUID } from 'node:crypto';
import type { Outbox } from '@nlyzer/bus';
import {
  AcceptInviteRequest,
  InviteCreated,
  InviteRequest,
  LoginResponse,
  RoleUpdateRequest,
  TeamResponse,
  TIERS,
  UserIdParams,
  UserView,
} from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { AppError, forbidden, notFound, type RouteModule, unauthenticated } from '@nlyzer/service-kit';
import type { Transaction } from 'kysely';
import type { CoreTables } from '../../core-tables.ts';
import { withStoreEvents } from '../../core-transaction.ts';
import { hashSecret, issueSecret, looksLike } from '../../credentials.ts';
import { emailTakenOnConflict, normalizeEmail } from '../../email-address.ts';
import type { PasswordHasher } from '../../passwords.ts';
import { revokeKeysIssuedBy } from '../api-keys/api-key-store.ts';
import { recordAudit } from '../audit-log/audit-trail.ts';
import { resolveInvite } from '../auth/credential-lookup.ts';
import { ALL_ROLES, actorOf, auditActor, MANAGERS, requirePrincipal } from '../auth/principal.ts';
import { type SessionSettings, sessionView, setSessionCookie, startSession } from '../auth/sessions.ts';
import { perIpPerMinute } from '../rate-limits.ts';
import { lockStore } from '../store/store-view.ts';
import { assertOwnerRemains, INVITE_TTL_MS, mayGrant } from './team-rules.ts';
import { toUserView } from './user-view.ts';

export interface TeamFeatureDeps {
  db: Database;
  outbox: Outbox;
  passwords: PasswordHasher;
  sessions: SessionSettings;
  acceptsPerIpPerMinute: number;
}

const unknownInvite = () => unauthenticated('Unknown or already used invitation');

function inviteView(row: {
  id: string;
  email: string;
  role: UserView['role'];
  expires_at: Date;
  created_at: Date;
}) {
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    expires_at: row.expires_at.toISOString(),
    created_at: row.created_at.toISOString(),
  };
}

async function ownerIds(trx: Transaction<CoreTables>): Promise<string[]> {
  const rows = await trx.selectFrom('core.users').select('id').where('role', '=', 'owner').execute();
  return rows.map((row) => row.id);
}

export function createTeamFeature(deps: TeamFeatureDeps): RouteModule {
  const { db, outbox, passwords, sessions } = deps;
  const core = db.as<CoreTables>();

  return async (app) => {
    app.get(
      '/v1/team',
      { schema: { response: { 200: TeamResponse } }, config: { allow: ALL_ROLES } },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        return core.withStore(principal.storeId, async (trx) => {
          const members = await trx
            .selectFrom('core.users')
            .select(['id', 'email', 'role', 'created_at'])
            .orderBy('created_at')
            .orderBy('id')
            .execute();
          const invites = await trx
            .selectFrom('core.invites')
            .select(['id', 'email', 'role', 'expires_at', 'created_at'])
            .where('accepted_at', 'is', null)
            .where('expires_at', '>', new Date())
            .orderBy('created_at')
            .execute();
          return { members: members.map(toUserView), invites: invites.map(inviteView) };
        });
      },
    );

    app.post(
      '/v1/team/invites',
      { schema: { body: InviteRequest, response: { 201: InviteCreated } }, config: { allow: MANAGERS } },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        const { role } = request.body;
        if (!mayGrant(principal.role, role))
          throw forbidden('Only an owner may grant the owner or admin role');
        const email = normalizeEmail(request.body.email);
        const token = issueSecret('invite');

        const invite = await core.withStore(principal.storeId, async (trx) => {
          await lockStore(trx, principal.storeId);
          const member = await trx
            .selectFrom('core.users')
            .select('id')
            .where('email', '=', email)
            .executeTakeFirst();
          if (member) throw new AppError('email_taken', 'This person is already on the team');
          // A new invitation replaces any pending one for the same address.
          await trx
            .deleteFrom('core.invites')
            .where('email', '=', email)
            .where('accepted_at', 'is', null)
            .execute();

          const now = new Date();
          const { members } = await trx
            .selectFrom('core.users')
            .select((eb) => eb.fn.countAll<number>().as('members'))
            .executeTakeFirstOrThrow();
          const { pending } = await trx
            .selectFrom('core.invites')
            .select((eb) => eb.fn.countAll<number>().as('pending'))
            .where('accepted_at', 'is', null)
            .where('expires_at', '>', now)
            .executeTakeFirstOrThrow();
          const seats = TIERS[principal.tier].quotas.teamSeats;
          if (Number(members) + Number(pending) >= seats) {
            throw new AppError('quota_exceeded', `The ${principal.tier} plan includes ${seats} team seats`);
          }

          const row = await trx
            .insertInto('core.invites')
            .values({
              id: randomUUID(),
              store_id: principal.storeId,
              email,
              role,
              token_hash: token.hash,
              invited_by_user_id: principal.accountableUserId,
              expires_at: new Date(now.getTime() + INVITE_TTL_MS),
            })
            .returning(['id', 'email', 'role', 'expires_at', 'created_at'])
            .executeTakeFirstOrThrow();
          await recordAudit(trx, {
            storeId: principal.storeId,
            actor: auditActor(principal),
            action: 'invite.created',
            target: row.id,
            ip: request.ip,
            details: { email, role },
          });
          return row;
        });
        reply.code(201);
        return { invite: inviteView(invite), token: token.value };
      },
    );

    app.post(
      '/v1/auth/accept-invite',
      {
        schema: { body: AcceptInviteRequest, response: { 201: LoginResponse } },
        config: { rateLimit: perIpPerMinute(deps.acceptsPerIpPerMinute) },
      },
      async (request, reply) => {
        const { token, password } = request.body;
        if (!looksLike('invite', token)) throw unknownInvite();
        const invite = await resolveInvite(db, hashSecret(token));
        if (!invite) throw unknownInvite();
        if (invite.expires_at.getTime() <= Date.now()) {
          throw new AppError('credentials_expired', 'The invitation expired; ask for a new one');
        }
        const passwordHash = await passwords.hash(password);
        const userId = randomUUID();

        const { user, session } = await withStoreEvents(outbox, invite.store_id, async (trx, emit) => {
          // Claiming the invite in the same transaction makes a token usable exactly once.
          const claimed = await trx
            .updateTable('core.invites')
            .set({ accepted_at: new Date() })
            .where('id', '=', invite.invite_id)
            .where('accepted_at', 'is', null)
            .returning('id')
            .executeTakeFirst();
          if (!claimed) throw unknownInvite();
          const user = await trx
            .insertInto('core.users')
            .values({
              id: userId,
              store_id: invite.store_id,
              email: invite.email,
              password_hash: passwordHash,
              role: invite.role,
            })
            .returning(['id', 'email', 'role', 'created_at'])
            .executeTakeFirstOrThrow();
          const session = await startSession(trx, { storeId: invite.store_id, userId }, sessions);
          await recordAudit(trx, {
            storeId: invite.store_id,
            actor: { userId, apiKeyId: null },
            action: 'user.created',
            target: userId,
            ip: request.ip,
            details: { role: invite.role, invite_id: invite.invite_id },
          });
          await emit('user.created', {
            store_id: invite.store_id,
            user_id: userId,
            email: invite.email,
            role: invite.role,
            invited_by_user_id: invite.invited_by_user_id,
          });
          return { user, session };
        }).catch(emailTakenOnConflict);

        setSessionCookie(reply, session, sessions);
        reply.code(201);
        return { user: toUserView(user), store_id: invite.store_id, session: sessionView(session) };
      },
    );

    app.patch(
      '/v1/team/:userId',
      {
        schema: { params: UserIdParams, body: RoleUpdateRequest, response: { 200: UserView } },
        config: { allow: MANAGERS },
      },
      async (request) => {
        const principal = requirePrincipal(request.principal);
        const { role } = request.body;
        return core.withStore(principal.storeId, async (trx) => {
          await lockStore(trx, principal.storeId);
          const subject = await trx
            .selectFrom('core.users')
            .select(['id', 'role'])
            .where('id', '=', request.params.userId)
            .executeTakeFirst();
          if (!subject) throw notFound('No such team member');
          if (!mayGrant(principal.role, subject.role) || !mayGrant(principal.role, role)) {
            throw forbidden('Only an owner may change an owner or admin, or grant those roles');
          }
          if (subject.role === 'owner' && role !== 'owner')
            assertOwnerRemains(await ownerIds(trx), subject.id);
          const updated = await trx
            .updateTable('core.users')
            .set({ role, updated_at: new Date() })
            .where('id', '=', subject.id)
            .returning(['id', 'email', 'role', 'created_at'])
            .executeTakeFirstOrThrow();
          await recordAudit(trx, {
            storeId: principal.storeId,
            actor: auditActor(principal),
            action: 'user.role_changed',
            target: subject.id,
            ip: request.ip,
            details: { from: subject.role, to: role },
          });
          return toUserView(updated);
        });
      },
    );

    app.delete(
      '/v1/team/:userId',
      { schema: { params: UserIdParams }, config: { allow: MANAGERS } },
      async (request, reply) => {
        const principal = requirePrincipal(request.principal);
        await withStoreEvents(outbox, principal.storeId, async (trx, emit) => {
          await lockStore(trx, principal.storeId);
          const subject = await trx
            .selectFrom('core.users')
            .select(['id', 'email', 'role'])
            .where('id', '=', request.params.userId)
            .executeTakeFirst();
          if (!subject) throw notFound('No such team member');
          const leavingThemselves = subject.id === principal.userId;
          if (!leavingThemselves && !mayGrant(principal.role, subject.role)) {
            throw forbidden('Only an owner may remove an owner or admin');
          }
          if (subject.role === 'owner') assertOwnerRemains(await ownerIds(trx), subject.id);

          // Keys act on behalf of the person who issued them: they go when that person goes.
          await revokeKeysIssuedBy(trx, emit, principal.storeId, subject.id, actorOf(principal, request.ip));
          await trx.deleteFrom('core.users').where('id', '=', subject.id).execute();
          await recordAudit(trx, {
            storeId: principal.storeId,
            actor: auditActor(principal),
            action: 'user.removed',
            target: subject.id,
            ip: request.ip,
            details: { email: subject.email, role: subject.role },
          });
        });
        return reply.code(204).send();
      },
    );
  };
}
