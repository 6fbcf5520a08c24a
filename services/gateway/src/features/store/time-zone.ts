import { validationFailed } from '@nlyzer/service-kit';

/** The schema checks the shape; only the runtime's IANA database knows whether the zone exists. */
export function assertTimeZone(zone: string, field = '/body/time_zone'): string {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone;
  } catch {
    throw validationFailed([{ path: field, message: 'must be an IANA time zone such as Europe/Berlin' }]);
  }
}
