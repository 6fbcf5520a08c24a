import type { AddressInfo } from 'node:net';
import { portVariable } from './cli-config.ts';
import { CliError } from './cli-error.ts';
import type { RuntimeService } from './service-runtime.ts';

/**
 * Opens each service's port (its config PORT; 0 picks a free one) and returns the ports
 * actually bound, by service. A taken port names the variable that moves it.
 */
export async function listenAll(
  services: readonly RuntimeService[],
  host: string,
): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  for (const { definition, config, app } of services) {
    try {
      await app.listen({ port: config.PORT, host });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
      throw new CliError(
        'port_in_use',
        `port ${config.PORT} for ${definition.name} is in use: set ${portVariable(definition.name)} or NLYZER_PORT_BASE`,
      );
    }
    ports[definition.name] = (app.server.address() as AddressInfo).port;
  }
  return ports;
}
