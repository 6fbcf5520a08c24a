import rateLimit from '@fastify/rate-limit';
import { PROBLEM_CONTENT_TYPE, ProblemDetails } from '@nlyzer/contracts';
import Type from 'typebox';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, captureLogs, openRealParts, type RealParts } from '../test/fixtures.ts';
import type { App, RouteModule } from './create-app.ts';
import { AppError, ERROR_CODES, type ErrorCode, rateLimited } from './errors.ts';

const Signup = Type.Object({
  email: Type.String({ format: 'email' }),
  company: Type.String({ minLength: 1 }),
  seats: Type.Integer({ minimum: 1 }),
  address: Type.Object({ country: Type.String({ minLength: 2, maxLength: 2 }) }),
});

const routes: RouteModule = async (app) => {
  app.post('/signup', { schema: { body: Signup } }, async (request) => ({ company: request.body.company }));
  app.get(
    '/stores',
    {
      schema: {
        querystring: Type.Object({ limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }) }),
      },
    },
    async (request) => ({ limit: request.query.limit }),
  );
  app.get('/taken', async () => {
    throw new AppError('email_taken', 'This email is already registered');
  });
  app.get('/slow-down', async () => {
    throw rateLimited(30, 'Too many searches for this store');
  });
  app.get('/bug', async () => {
    throw new Error('relation "core.users" does not exist at 10.0.0.5');
  });
  app.get('/sdk-error', async () => {
    // A provider SDK's error carrying an HTTP status of its own: still our failure, not the client's.
    throw Object.assign(new Error('No such customer: cus_123'), { statusCode: 404 });
  });
  app.register(async (limited) => {
    await limited.register(rateLimit, { max: 1, timeWindow: 60_000 });
    limited.get('/limited', async () => ({ ok: true }));
  });
};

let parts: RealParts;
let app: App;
const logs = captureLogs();

beforeAll(async () => {
  parts = await openRealParts();
  app = await buildApp(parts, { logger: logs.logger });
  await app.register(routes);
});

afterAll(async () => {
  await app.close();
  await parts.bus.close();
  await parts.db.close();
});

function expectProblem(
  response: { statusCode: number; headers: Record<string, unknown>; json(): unknown },
  code: ErrorCode,
): ProblemDetails {
  const body = response.json() as ProblemDetails;
  expect(response.headers['content-type']).toBe(`${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  expect(response.statusCode).toBe(ERROR_CODES[code].status);
  expect([...Value.Errors(ProblemDetails, body)]).toEqual([]);
  expect(body).toMatchObject({ code, type: `urn:nlyzer:problem:${code}`, status: response.statusCode });
  expect(body.request_id).toBe(response.headers['x-request-id']);
  return body;
}

const validSignup = { email: 'a@shop.test', company: 'Shop', seats: 3, address: { country: 'DE' } };

describe('problem+json errors', () => {
  it('accepts a valid typed body', async () => {
    const response = await app.inject({ method: 'POST', url: '/signup', payload: validSignup });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ company: 'Shop' });
  });

  it('answers malformed JSON with 400 malformed_json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/signup',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": ',
    });
    const body = expectProblem(response, 'malformed_json');
    expect(body).toMatchObject({ title: 'Malformed JSON body', instance: '/signup' });
  });

  it('answers an empty JSON body with 400 malformed_json', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/signup',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expectProblem(response, 'malformed_json');
  });

  it('answers a 2 MB body with 413 naming the limit', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/signup',
      payload: { ...validSignup, company: 'x'.repeat(2 * 1024 * 1024) },
    });
    const body = expectProblem(response, 'payload_too_large');
    expect(body.detail).toBe('The body exceeds the limit of 1048576 bytes');
  });

  it('answers an unsupported content type with 415', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/signup',
      headers: { 'content-type': 'application/xml' },
      payload: '<signup/>',
    });
    const body = expectProblem(response, 'unsupported_media_type');
    expect(body.detail).toBe('Content-Type application/xml is not accepted here');
  });

  it('lists every invalid field with a JSON pointer into the request', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/signup',
      payload: { email: 'not-an-email', seats: '3', address: {} },
    });
    const body = expectProblem(response, 'validation_failed');
    expect(body.errors).toEqual(
      expect.arrayContaining([
        { path: '/body/company', message: 'is required' },
        { path: '/body/email', message: 'must match format "email"' },
        // JSON bodies are not coerced: "3" is not an integer.
        { path: '/body/seats', message: 'must be integer' },
        { path: '/body/address/country', message: 'is required' },
      ]),
    );
    expect(body.errors).toHaveLength(4);
  });

  it('converts and defaults query strings, and reports bad ones under /query', async () => {
    expect((await app.inject({ url: '/stores?limit=5' })).json()).toEqual({ limit: 5 });
    expect((await app.inject({ url: '/stores' })).json()).toEqual({ limit: 20 });
    const body = expectProblem(await app.inject({ url: '/stores?limit=500' }), 'validation_failed');
    expect(body.errors).toEqual([{ path: '/query/limit', message: 'must be <= 100' }]);
  });

  it("maps an AppError to its code's status, title and headers", async () => {
    const taken = expectProblem(await app.inject({ url: '/taken' }), 'email_taken');
    expect(taken).toMatchObject({
      status: 409,
      title: 'Email already registered',
      detail: 'This email is already registered',
    });
    const limited = await app.inject({ url: '/slow-down' });
    expectProblem(limited, 'rate_limited');
    expect(limited.headers['retry-after']).toBe('30');
  });

  it("maps @fastify/rate-limit's rejection to 429 rate_limited with Retry-After", async () => {
    expect((await app.inject({ url: '/limited' })).statusCode).toBe(200);
    const response = await app.inject({ url: '/limited' });
    expectProblem(response, 'rate_limited');
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('answers an unexpected throw with 500 and no internals, and logs the stack', async () => {
    const response = await app.inject({ url: '/bug', headers: { 'x-request-id': 'bug-1' } });
    const body = expectProblem(response, 'internal');
    expect(response.body).not.toContain('core.users');
    expect(response.body).not.toContain('10.0.0.5');
    const logged = logs
      .lines()
      .find((line) => line.request_id === 'bug-1' && line.message === 'request failed');
    expect(logged).toMatchObject({
      severity: 'ERROR',
      err: { message: expect.stringContaining('core.users') },
    });
    expect(logged.stack_trace).toContain('problem-json.test.ts');
    expect(body.detail).not.toContain('relation');
  });

  it('does not trust an HTTP status carried by a non-Fastify error', async () => {
    const response = await app.inject({ url: '/sdk-error' });
    expectProblem(response, 'internal');
    expect(response.body).not.toContain('cus_123');
  });

  it('answers an unknown route with 404 not_found', async () => {
    const response = await app.inject({ method: 'DELETE', url: '/nowhere?token=abc' });
    const body = expectProblem(response, 'not_found');
    expect(body).toMatchObject({ instance: '/nowhere', detail: 'No route for DELETE /nowhere' });
  });

  it('answers a malformed URL with 400', async () => {
    const body = expectProblem(await app.inject({ url: '/stores/%E0%A4%A' }), 'bad_request');
    expect(body.detail).toContain("'/stores/%E0%A4%A' is not a valid url component");
  });
});
