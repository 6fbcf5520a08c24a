// Prints the deployable services, one per line, so Cloud Build loops over the catalog
// instead of restating it.
import { SERVICE_NAMES } from '@nlyzer/contracts';

export function serviceList(): string {
  return `${SERVICE_NAMES.join('\n')}\n`;
}

if (import.meta.main) process.stdout.write(serviceList());
