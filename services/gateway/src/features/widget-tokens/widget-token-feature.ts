import { WidgetTokenRequest, WidgetTokenResponse } from '@nlyzer/contracts';
import type { Database } from '@nlyzer/db';
import { AppError, type RouteModule, unauthenticated } from '@nlyzer/service-kit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { hashSecret, looksLike } from '../../credentials.ts';
import { resolveWidgetKey } from '../auth/credential-lookup.ts';
import { perIpPerMinute } from '../rate-limits.ts';
import { signWidgetToken } from './widget-token.ts';

export interface WidgetTokenFeatureDeps {
  db: Database;
  secret: string;
  tokensPerIpPerMinute: number;
}

const PATH = '/v1/widget/token';

/**
 * The widget calls this from the merchant's page, cross-origin: every answer (errors
 * too, so the widget can read them) allows the calling origin. That is safe because
 * the route authorises by widget key + Origin, never by cookies.
 */
function allowCaller(request: FastifyRequest, reply: FastifyReply): void {
  const origin = request.headers.origin;
  if (origin) reply.header('access-control-allow-origin', origin).header('vary', 'Origin');
}

export function createWidgetTokenFeature(deps: WidgetTokenFeatureDeps): RouteModule {
  const { db, secret } = deps;
  return async (app) => {
    app.options(PATH, async (request, reply) => {
      allowCaller(request, reply);
      return reply
        .header('access-control-allow-methods', 'POST')
        .header('access-control-allow-headers', 'content-type, x-widget-key')
        .header('access-control-max-age', '600')
        .code(204)
        .send();
    });

    app.post(
      PATH,
      {
        // The key may come as a header alone, with no body at all.
        schema: {
          body: Type.Union([WidgetTokenRequest, Type.Null(), Type.Undefined()]),
          response: { 200: WidgetTokenResponse },
        },
        config: { rateLimit: perIpPerMinute(deps.tokensPerIpPerMinute) },
        onRequest: async (request, reply) => allowCaller(request, reply),
      },
      async (request) => {
        const header = request.headers['x-widget-key'];
        const widgetKey = typeof header === 'string' ? header : request.body?.widget_key;
        if (!widgetKey) throw unauthenticated('Send the widget key in X-Widget-Key');
        if (!looksLike('widgetKey', widgetKey)) throw unauthenticated('Unknown or revoked widget key');
        const key = await resolveWidgetKey(db, hashSecret(widgetKey));
        if (!key) throw unauthenticated('Unknown or revoked widget key');

        const origin = request.headers.origin;
        if (!origin || !key.allowed_origins.includes(origin)) {
          throw new AppError('origin_not_allowed', 'This widget key is not enabled for the page origin');
        }
        const { token, expiresAt } = await signWidgetToken(
          { storeId: key.store_id, keyId: key.key_id, origin, tier: key.tier },
          secret,
        );
        return { token, expires_at: expiresAt.toISOString(), store_id: key.store_id };
      },
    );
  };
}
