// RFC 9457 problem details: the body of every error response from every service.
import Type, { type Static } from 'typebox';

export const ProblemFieldError = Type.Object(
  {
    /** JSON pointer into the request (`/body/email`, `/query/limit`). */
    path: Type.String(),
    message: Type.String(),
  },
  { additionalProperties: false },
);
export type ProblemFieldError = Static<typeof ProblemFieldError>;

export const ProblemDetails = Type.Object({
  type: Type.String({ format: 'uri-reference' }),
  title: Type.String(),
  status: Type.Integer({ minimum: 400, maximum: 599 }),
  detail: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String({ format: 'uri-reference' })),
  /** Stable machine-readable error code from the closed set in @nlyzer/service-kit. */
  code: Type.String({ pattern: '^[a-z][a-z0-9_]*$' }),
  /** The X-Request-ID of the failed request, for support and log search. */
  request_id: Type.String({ minLength: 1, maxLength: 128 }),
  errors: Type.Optional(Type.Array(ProblemFieldError)),
});
export type ProblemDetails = Static<typeof ProblemDetails>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
