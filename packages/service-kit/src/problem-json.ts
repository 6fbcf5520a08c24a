import { PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@nlyzer/contracts';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaValidationError,
} from 'fastify';
import fp from 'fastify-plugin';
import { AppError, ERROR_CODES, type ErrorCode, type FieldError, problemType } from './errors.ts';

/** Fastify's names for the request parts, as they appear in error paths (`/query/limit`). */
const REQUEST_PARTS: Record<string, string> = {
  body: 'body',
  querystring: 'query',
  params: 'params',
  headers: 'headers',
};

/** Client mistakes Fastify or a plugin reports only by status; everything else 4xx is `bad_request`. */
const CODE_BY_CLIENT_STATUS: Record<number, ErrorCode> = {
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'unprocessable',
  429: 'rate_limited',
};

const UNEXPECTED_DETAIL = 'An unexpected error occurred; quote the request_id when reporting it';

function escapePointer(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}

function fieldErrors(part: string, issues: FastifySchemaValidationError[]): FieldError[] {
  const root = `/${REQUEST_PARTS[part] ?? part}`;
  return issues.flatMap((issue) => {
    const at = `${root}${issue.instancePath}`;
    if (issue.keyword !== 'required') return [{ path: at, message: issue.message ?? 'is invalid' }];
    // TypeBox lists every missing property at once; Ajv names one per issue.
    const params = issue.params as { requiredProperties?: string[]; missingProperty?: string };
    const missing = params.requiredProperties ?? (params.missingProperty ? [params.missingProperty] : []);
    return missing.map((name) => ({ path: `${at}/${escapePointer(name)}`, message: 'is required' }));
  });
}

/**
 * Only Fastify's and its plugins' errors (FST_* codes) are trusted to describe a client
 * mistake: an SDK error that happens to carry `statusCode: 404` is a server-side failure.
 */
function isFastifyError(err: unknown): err is FastifyError {
  return (
    err instanceof Error &&
    typeof (err as FastifyError).code === 'string' &&
    (err as FastifyError).code.startsWith('FST_')
  );
}

/**
 * @fastify/rate-limit throws a plain Error with statusCode 429 and no code (Retry-After is
 * already on the reply). SDK rate-limit errors carry a code of their own and stay 5xx.
 */
function isRateLimitError(err: unknown): boolean {
  return err instanceof Error && (err as FastifyError).statusCode === 429 && !('code' in err);
}

/** Any thrown value → the AppError the client sees. Unknown failures become `internal`, with no internals. */
export function toAppError(err: unknown, request?: FastifyRequest): AppError {
  if (err instanceof AppError) return err;
  if (isRateLimitError(err)) return new AppError('rate_limited', (err as Error).message, { cause: err });
  if (!isFastifyError(err)) return new AppError('internal', UNEXPECTED_DETAIL, { cause: err });
  if (err.code === 'FST_ERR_VALIDATION' && Array.isArray(err.validation)) {
    const errors = fieldErrors(err.validationContext ?? 'body', err.validation);
    return new AppError('validation_failed', 'The request has invalid fields', { errors, cause: err });
  }
  if (err.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new AppError('malformed_json', 'The body is not valid JSON', { cause: err });
  }
  if (err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY') {
    return new AppError('malformed_json', 'The body is empty but Content-Type says JSON', { cause: err });
  }
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    const limit = request?.routeOptions.bodyLimit;
    const detail = limit ? `The body exceeds the limit of ${limit} bytes` : 'The body is too large';
    return new AppError('payload_too_large', detail, { cause: err });
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    const type = request?.headers['content-type'];
    const detail = type ? `Content-Type ${type} is not accepted here` : 'A Content-Type header is required';
    return new AppError('unsupported_media_type', detail, { cause: err });
  }
  const status = err.statusCode ?? 500;
  if (status >= 400 && status < 500) {
    // 4xx messages from Fastify and its plugins describe the client's mistake, not internals.
    return new AppError(CODE_BY_CLIENT_STATUS[status] ?? 'bad_request', err.message, { cause: err });
  }
  return new AppError('internal', UNEXPECTED_DETAIL, { cause: err });
}

/** The request path as a valid URI reference: never the query (it can carry tokens), stray `%` escaped. */
function instanceOf(url: string): string {
  return url
    .split('?', 1)[0]!
    .replace(/%(?![0-9A-Fa-f]{2})/g, '%25')
    .replace(/[^A-Za-z0-9\-._~:/@!$&'()*+,;=%]/g, (char) => encodeURIComponent(char));
}

export function problemBody(error: AppError, request: FastifyRequest): ProblemDetails {
  const { status, title } = ERROR_CODES[error.code];
  return {
    type: problemType(error.code),
    title,
    status,
    detail: error.detail,
    instance: instanceOf(request.url),
    code: error.code,
    request_id: request.id,
    ...(error.errors?.length ? { errors: error.errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, error: AppError): FastifyReply {
  const body = problemBody(error, reply.request);
  // A string payload skips the route's response serializers, which would strip problem fields.
  return reply
    .code(body.status)
    .headers(error.headers)
    .header('x-request-id', reply.request.id)
    .type(PROBLEM_CONTENT_TYPE)
    .send(JSON.stringify(body));
}

/** Maps any error to a problem+json response and logs it: 5xx with the stack, 4xx with its code only. */
export function replyWithProblem(err: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const error = toAppError(err, request);
  if (error.code === 'internal') {
    request.log.error({ err: err instanceof AppError ? (err.cause ?? err) : err }, 'request failed');
  } else if (error.status >= 500) {
    request.log.warn({ code: error.code, detail: error.detail, err: error.cause }, 'request failed');
  } else {
    const fields = error.errors?.map((e) => e.path);
    request.log.info({ code: error.code, ...(fields ? { fields } : {}) }, 'request rejected');
  }
  return sendProblem(reply, error);
}

/** Every error and every unmatched route answers with application/problem+json. */
export const problemJson = fp(
  async (app: FastifyInstance) => {
    app.setErrorHandler((err, request, reply) => replyWithProblem(err, request, reply));
    app.setNotFoundHandler((request, reply) =>
      sendProblem(
        reply,
        new AppError('not_found', `No route for ${request.method} ${request.url.split('?', 1)[0]}`),
      ),
    );
  },
  { name: '@nlyzer/service-kit/problem-json', fastify: '5.x' },
);
