import type { ServiceDefinition } from '@nlyzer/service-kit';
import { buildGatewayApp } from './app.ts';
import { type GatewayConfig, gatewayConfigSchema } from './config.ts';
import { seedDemoStore } from './features/demo/seed-demo.ts';
import { markStoreLive } from './features/store/store-live.ts';

export const service: ServiceDefinition<GatewayConfig> = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  migrations: { schema: 'core', folder: new URL('../migrations/', import.meta.url) },
  build: (deps) => buildGatewayApp(deps),
  handlers: { 'onboarding.completed': markStoreLive },
  seedDemo: (deps, demo) => seedDemoStore(deps, demo),
};
