import { validationFailed } from '@nlyzer/service-kit';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * Postgres text cannot hold U+0000, so a JSON string carrying it would fail as a
 * database error (a 500) wherever it is stored or compared. Rejected here, once, as the
 * client's mistake it is.
 */
function findNul(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (Array.isArray(value)) {
    for (const [index, item] of value.entries()) {
      const found = findNul(item, `${path}/${index}`);
      if (found) return found;
    }
  } else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const found =
        findNul(key, path) ?? findNul(item, `${path}/${key.replaceAll('~', '~0').replaceAll('/', '~1')}`);
      if (found) return found;
    }
  }
  return undefined;
}

export const rejectNulCharacters = fp(
  async (app: FastifyInstance) => {
    app.addHook('preValidation', async (request) => {
      const at =
        findNul(request.body, '/body') ??
        findNul(request.query, '/query') ??
        findNul(request.params, '/params');
      if (at) throw validationFailed([{ path: at, message: 'must not contain NUL characters' }]);
    });
  },
  { name: 'nlyzer-reject-nul-characters' },
);
