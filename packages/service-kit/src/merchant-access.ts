import type { Role, ServiceName } from '@nlyzer/contracts';
import type { FastifyInstance, onRequestHookHandler } from 'fastify';
import fp from 'fastify-plugin';
import { forbidden, unauthenticated } from './errors.ts';
import {
  INTERNAL_PRINCIPAL_HEADER,
  type InternalPrincipal,
  verifyInternalPrincipal,
} from './internal-principal.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Merchant roles allowed to call the route; the gateway authenticated them and vouches in X-NLyzer-Principal. */
    merchantRoles?: readonly Role[];
  }
  interface FastifyRequest {
    merchant: InternalPrincipal | null;
  }
}

/**
 * Merchant routes are reached through the gateway, which checks the session or API key
 * and forwards a short-lived assertion signed with the internal secret. Verifying it
 * here keeps credentials in the gateway's schema and still refuses anyone who calls
 * the service directly. Routes declare `config.merchantRoles`; `audience` is the service
 * itself, so an assertion minted for another service is refused.
 */
export const merchantAccess = fp(
  async (app: FastifyInstance, options: { internalSecret: string; audience: ServiceName }) => {
    app.decorateRequest('merchant', null);
    app.addHook('onRoute', (route) => {
      const roles = route.config?.merchantRoles;
      if (!roles) return;
      const authenticate: onRequestHookHandler = async (request) => {
        const header = request.headers[INTERNAL_PRINCIPAL_HEADER];
        if (typeof header !== 'string')
          throw unauthenticated('Merchant routes are reached through the gateway');
        const principal = await verifyInternalPrincipal(header, {
          secret: options.internalSecret,
          audience: options.audience,
        });
        if (!roles.includes(principal.role)) {
          throw forbidden(`This action needs one of the roles: ${roles.join(', ')}`);
        }
        request.merchant = principal;
      };
      const existing = route.onRequest === undefined ? [] : [route.onRequest].flat();
      route.onRequest = [authenticate, ...existing] as onRequestHookHandler[];
    });
  },
  { name: 'merchant-access' },
);
