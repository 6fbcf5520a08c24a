import { type Readable, Transform } from 'node:stream';
import { type App, AppError } from '@nlyzer/service-kit';
import type { FastifyRequest } from 'fastify';

/**
 * The largest body the gateway forwards unless the route says otherwise: a 5 MB image plus
 * multipart framing. The service behind enforces its own, exact limits; these only keep the
 * edge from piping arbitrarily large uploads.
 */
export const FORWARDED_BODY_LIMIT_BYTES = 6 * 1024 * 1024;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The forwarded-body limit of a route whose bodies are larger (or smaller) than the default. */
    forwardedBodyLimitBytes?: number;
  }
}

/**
 * A request body left unread, to be streamed to the service. Its stream sits in a private
 * field so hooks that walk parsed JSON bodies (the NUL check) see an empty object, not a
 * socket graph.
 */
export class StreamedBody {
  readonly #stream: Readable;
  constructor(stream: Readable) {
    this.#stream = stream;
  }
  get stream(): Readable {
    return this.#stream;
  }
}

const tooLarge = (limit: number) =>
  new AppError('payload_too_large', `The body exceeds the limit of ${limit} bytes`);

/**
 * The body as the forward reads it: counted, so a chunked body of unknown length fails the
 * forward once it is over the limit, and separate from the request stream, which the HTTP
 * client destroys on a failed forward. The request stream is only unpiped, so the 413 or
 * 503 can still be written to the client.
 */
function capped(payload: Readable, limit: number): Readable {
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      received += chunk.length;
      callback(received > limit ? tooLarge(limit) : null, chunk);
    },
  });
  payload.on('error', (err) => counter.destroy(err));
  return payload.pipe(counter);
}

/**
 * Every content type is accepted, and no body is read or buffered in the gateway: the
 * parser hands the request stream on as a StreamedBody. Scoped to the plugin it is called in.
 */
export function acceptBodiesAsStreams(app: App): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request: FastifyRequest, payload: Readable, done) => {
    const limit = request.routeOptions.config.forwardedBodyLimitBytes ?? FORWARDED_BODY_LIMIT_BYTES;
    const declared = request.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) return done(tooLarge(limit), undefined);
    done(null, new StreamedBody(capped(payload, limit)));
  });
}

/** The body stream to forward, if the request has one. */
export function bodyStreamOf(request: FastifyRequest): Readable | undefined {
  return request.body instanceof StreamedBody ? request.body.stream : undefined;
}

/** The limit error that ended a forwarded body, when that is why the forward failed. */
export function limitFailureOf(body: Readable | undefined): AppError | undefined {
  return body?.errored instanceof AppError ? body.errored : undefined;
}
