import type { EventBus, Outbox } from '@nlyzer/bus';
import type { Database } from '@nlyzer/db';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { BaseConfig } from './config.ts';

/** Where a service is in its life; readiness turns 503 once shutdown has begun. */
export interface ServiceLifecycle {
  shuttingDown: boolean;
}

export interface ServiceParts {
  config: BaseConfig;
  db: Database;
  bus: EventBus;
  outbox: Outbox;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The shared variables; a service's own config reaches its features through `build(deps)`. */
    config: BaseConfig;
    db: Database;
    bus: EventBus;
    outbox: Outbox;
    lifecycle: ServiceLifecycle;
  }
}

/** Decorates the root instance (hence fastify-plugin) so every route module sees the same parts. */
export const serviceParts = fp(
  async (app: FastifyInstance, parts: ServiceParts) => {
    app.decorate('config', parts.config);
    app.decorate('db', parts.db);
    app.decorate('bus', parts.bus);
    app.decorate('outbox', parts.outbox);
    app.decorate('lifecycle', { shuttingDown: false });
  },
  { name: '@nlyzer/service-kit/service-parts', fastify: '5.x' },
);
