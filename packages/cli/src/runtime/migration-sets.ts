import { busMigrations } from '@nlyzer/bus';
import type { MigrationSet } from '@nlyzer/db';
import { schedulerMigrations } from '@nlyzer/scheduler';
import type { ServiceDefinition } from '@nlyzer/service-kit';

/** Every migration set of a runtime, by owner: the platform's (bus, scheduler), then each service's. */
export function migrationSets(services: readonly ServiceDefinition[]): Map<string, MigrationSet> {
  return new Map<string, MigrationSet>([
    ['bus', busMigrations],
    ['scheduler', schedulerMigrations],
    ...services.map((service): [string, MigrationSet] => [service.name, service.migrations]),
  ]);
}
