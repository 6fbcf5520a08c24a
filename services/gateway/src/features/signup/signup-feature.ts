import { randomUUID } from 'node:crypto';
import type { Outbox } from '@nlyzer/bus';
import { SignupRequest, SignupResponse } from '@nlyzer/contracts';
import type { RouteModule } from '@nlyzer/service-kit';
import { withStoreEvents } from '../../core-transaction.ts';
import { emailTakenOnConflict, normalizeEmail } from '../../email-address.ts';
import type { PasswordHasher } from '../../passwords.ts';
import { type SessionSettings, sessionView, setSessionCookie, startSession } from '../auth/sessions.ts';
import { perIpPerMinute } from '../rate-limits.ts';
import { toStoreView } from '../store/store-view.ts';
import { assertTimeZone } from '../store/time-zone.ts';
import { toUserView } from '../team/user-view.ts';
import { createStoreWithOwner } from './create-store.ts';

export interface SignupFeatureDeps {
  outbox: Outbox;
  passwords: PasswordHasher;
  sessions: SessionSettings;
  signupsPerIpPerMinute: number;
}

/**
 * Workflow 1 steps 3–5 and 7: a prospect becomes a store with an owner and a session in
 * one transaction. `store.created` tells billing to create the payment customer.
 */
export function createSignupFeature(deps: SignupFeatureDeps): RouteModule {
  const { outbox, passwords, sessions } = deps;
  return async (app) => {
    app.post(
      '/v1/signup',
      {
        schema: { body: SignupRequest, response: { 201: SignupResponse } },
        config: { rateLimit: perIpPerMinute(deps.signupsPerIpPerMinute) },
      },
      async (request, reply) => {
        const body = request.body;
        const email = normalizeEmail(body.email);
        const timeZone = assertTimeZone(body.time_zone ?? 'UTC');
        // Hashing is the slow part: done before the transaction so it holds no connection meanwhile.
        const passwordHash = await passwords.hash(body.password);
        const spec = {
          storeId: randomUUID(),
          ownerId: randomUUID(),
          company: body.company.trim(),
          tier: body.tier,
          timeZone,
          email,
          passwordHash,
        };

        const { store, owner, session } = await withStoreEvents(outbox, spec.storeId, async (trx, emit) => {
          const created = await createStoreWithOwner(trx, emit, spec, request.ip);
          const session = await startSession(trx, { storeId: spec.storeId, userId: spec.ownerId }, sessions);
          return { ...created, session };
        }).catch(emailTakenOnConflict);

        setSessionCookie(reply, session, sessions);
        reply.code(201);
        return { store: toStoreView(store), user: toUserView(owner), session: sessionView(session) };
      },
    );
  };
}
