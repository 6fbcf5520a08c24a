import { createServer } from 'node:net';
import type { Env } from '@nlyzer/service-kit';

/**
 * How the services of one install find each other on one host: the gateway forwards to
 * search and the sync worker, and the sync worker hands platforms the gateway's public URL
 * (OAuth redirect, webhook callbacks). Services that are not present get no variable.
 */
export function serviceUrls(ports: Readonly<Record<string, number | undefined>>, env: Env = {}): Env {
  const url = (port: number | undefined, host = '127.0.0.1') =>
    port === undefined ? undefined : `http://${host}:${port}`;
  const urls: Record<string, string | undefined> = {
    SEARCH_SERVICE_URL: url(ports.search),
    SYNC_WORKER_URL: url(ports['sync-worker']),
    // What a browser and the platforms reach; an install behind a proxy sets its own.
    PUBLIC_URL: env.PUBLIC_URL ?? url(ports.gateway, 'localhost'),
  };
  return Object.fromEntries(Object.entries(urls).filter(([, value]) => value !== undefined)) as Env;
}

/** A free port per name, for runs that must know every port before any service listens. */
export async function freePorts<const Name extends string>(
  names: readonly Name[],
): Promise<Record<Name, number>> {
  const servers = await Promise.all(
    names.map(
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, '127.0.0.1', () => resolve(server));
        }),
    ),
  );
  // Held open together so no two names get the same port, then released for the services.
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return Object.fromEntries(names.map((name, index) => [name, ports[index]])) as Record<Name, number>;
}
