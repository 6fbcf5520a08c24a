import { validationFailed } from '@nlyzer/service-kit';

/**
 * Origins in the exact form browsers send in the Origin header (lowercase host, no
 * default port, no trailing slash), so checking a request is a string comparison.
 */
export function normalizeOrigins(origins: readonly string[]): string[] {
  const normalized = origins.map((origin, index) => {
    try {
      return new URL(origin).origin;
    } catch {
      throw validationFailed([
        { path: `/body/allowed_origins/${index}`, message: 'must be an origin like https://shop.example' },
      ]);
    }
  });
  return [...new Set(normalized)];
}
