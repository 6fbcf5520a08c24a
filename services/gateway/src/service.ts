import type { ServiceDefinition } from '@nlyzer/service-kit';
import { buildGatewayApp } from './app.ts';
import { type GatewayConfig, gatewayConfigSchema, widgetKeySealerFor } from './config.ts';
import { seedDemoStore } from './features/demo/seed-demo.ts';
import { markStoreLive } from './features/store/store-live.ts';
import { createOnboardingWidgetKeyHandler } from './features/widget-keys/onboarding-widget-key.ts';
import type { WidgetKeySealer } from './features/widget-keys/widget-key-sealing.ts';

/*
 * Consumers of a ServiceDefinition receive no deps, while issuing a widget key needs the
 * sealer from the config `build` was given. The runtime builds one gateway per process, so
 * the consumer uses the one open gateway's (kept while its app is open), as the sync worker does.
 */
const openSealers = new Set<WidgetKeySealer>();

function openSealer(): WidgetKeySealer {
  const [sealer, ...others] = openSealers;
  if (!sealer) throw new Error('the gateway app is not built (or already closed)');
  if (others.length > 0)
    throw new Error('several gateways are open in this process: consumers are ambiguous');
  return sealer;
}

/** The gateway's consumers, for the gateway whose widget keys `sealer` seals. */
export function gatewayHandlers(sealer: WidgetKeySealer) {
  return {
    'onboarding.catalog_indexed': createOnboardingWidgetKeyHandler(sealer),
    'onboarding.completed': markStoreLive,
  } satisfies ServiceDefinition['handlers'];
}

export const service: ServiceDefinition<GatewayConfig> = {
  name: 'gateway',
  configSchema: gatewayConfigSchema,
  migrations: { schema: 'core', folder: new URL('../migrations/', import.meta.url) },
  async build(deps) {
    const app = await buildGatewayApp(deps);
    const sealer = widgetKeySealerFor(deps.config);
    openSealers.add(sealer);
    app.addHook('onClose', async () => {
      openSealers.delete(sealer);
    });
    return app;
  },
  handlers: {
    'onboarding.catalog_indexed': (envelope, ctx) =>
      gatewayHandlers(openSealer())['onboarding.catalog_indexed'](envelope, ctx),
    'onboarding.completed': markStoreLive,
  },
  seedDemo: (deps, demo) => seedDemoStore(deps, demo),
};
