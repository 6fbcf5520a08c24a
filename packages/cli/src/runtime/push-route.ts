import { handlePush, type SubscriptionSpec } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import type { Logger } from '@nlyzer/service-kit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface PushRouteOptions {
  db: Database;
  subscriptions: readonly SubscriptionSpec[];
  logger: Logger;
}

/** Where Pub/Sub push subscriptions deliver on Cloud Run (Terraform points them at this path). */
export const PUSH_PATH = '/pubsub/push';

export const pushRoute = fp(
  async (app: FastifyInstance, options: PushRouteOptions) => {
    app.post(PUSH_PATH, async (request, reply) => {
      const status = await handlePush(request.body, {
        subscriptions: options.subscriptions,
        db: options.db,
        logger: options.logger,
      });
      return reply.code(status).send();
    });
  },
  { name: '@nlyzer/cli/pubsub-push', fastify: '5.x' },
);
