import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { SERVICE_NAMES, SERVICES, type ServiceName } from '@nlyzer/contracts';
import type { ServiceDefinition } from '@nlyzer/service-kit';
import { CliError } from './cli-error.ts';
import { WORKSPACE_ROOT } from './workspace.ts';

export interface SkippedService {
  dir: string;
  reason: string;
}

export interface DiscoveredServices {
  /** In service-catalog order. */
  services: ServiceDefinition[];
  /** Packages under services/ that are not (yet) a runnable service. */
  skipped: SkippedService[];
}

interface PackageJson {
  name?: string;
  exports?: string | Record<string, string | Record<string, string>>;
  main?: string;
}

function entryOf(pkg: PackageJson): string | undefined {
  const root = typeof pkg.exports === 'string' ? pkg.exports : pkg.exports?.['.'];
  if (typeof root === 'string') return root;
  if (root && typeof root === 'object') return root.import ?? root.default;
  return pkg.main;
}

function isServiceDefinition(value: unknown): value is ServiceDefinition {
  const candidate = value as Partial<ServiceDefinition> | undefined;
  return typeof candidate?.name === 'string' && typeof candidate.build === 'function';
}

/**
 * Every package under services/ whose entry exports `service`: a new service joins
 * `nlyzer dev` by existing, with no change here. A package with no entry file or no
 * `service` export yet is reported, not fatal; a service that fails to load is.
 */
export async function discoverServices(root: string = WORKSPACE_ROOT): Promise<DiscoveredServices> {
  const servicesDir = join(root, 'services');
  const dirs = existsSync(servicesDir) ? await readdir(servicesDir, { withFileTypes: true }) : [];
  const services: ServiceDefinition[] = [];
  const skipped: SkippedService[] = [];
  for (const dir of dirs.filter((d) => d.isDirectory()).map((d) => d.name)) {
    const manifest = join(servicesDir, dir, 'package.json');
    if (!existsSync(manifest)) continue;
    const pkg = JSON.parse(await readFile(manifest, 'utf8')) as PackageJson;
    const entry = entryOf(pkg);
    const entryFile = entry === undefined ? undefined : join(servicesDir, dir, entry);
    if (entryFile === undefined || !existsSync(entryFile)) {
      skipped.push({ dir, reason: `no entry file${entry ? ` ${entry}` : ''} yet` });
      continue;
    }
    const module = (await import(pathToFileURL(entryFile).href)) as { service?: unknown };
    if (!isServiceDefinition(module.service)) {
      skipped.push({ dir, reason: 'its entry does not export `service` yet' });
      continue;
    }
    if (!(module.service.name in SERVICES)) {
      throw new CliError(
        'service_invalid',
        `services/${dir} exports a service named ${module.service.name}, which is not in the service catalog`,
      );
    }
    services.push(module.service);
  }
  const order = (name: ServiceName) => SERVICE_NAMES.indexOf(name);
  services.sort((a, b) => order(a.name) - order(b.name));
  return { services, skipped };
}

/** One service by name, for `nlyzer serve` and `migrate --service`. */
export async function findService(name: string, root: string = WORKSPACE_ROOT): Promise<ServiceDefinition> {
  const { services, skipped } = await discoverServices(root);
  const found = services.find((service) => service.name === name);
  if (found) return found;
  const known = services.map((service) => service.name).join(', ') || 'none';
  const pending = skipped.find((s) => s.dir === name);
  throw new CliError(
    'service_not_found',
    pending
      ? `services/${name} is not runnable: ${pending.reason}`
      : `no service named ${name} in this workspace (present: ${known})`,
  );
}
