import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local server speaking the subset of Pinecone's data-plane REST API the adapter uses
 * (upsert, query, delete, describe_index_stats), with its request limits, its error body
 * `{ code, message, details }`, and its 404 for deleting an absent namespace. Exact cosine
 * scan behind it; failures can be queued to exercise retries.
 */
export interface RecordedRequest {
  path: string;
  bytes: number;
  body: Record<string, unknown>;
  headers: IncomingMessage['headers'];
}

interface StoredVector {
  values: number[];
  metadata: Record<string, unknown>;
}

export interface PineconeDataPlaneServer {
  url: string;
  apiKey: string;
  requests: RecordedRequest[];
  /** The next requests answer with these statuses (and headers) before being served normally. */
  failNext(status: number, headers?: Record<string, string>): void;
  close(): Promise<void>;
}

const MAX_UPSERT_RECORDS = 1000;
const MAX_REQUEST_BYTES = 2 * 1024 * 1024;
// gRPC status codes, which Pinecone's REST errors carry in `code`.
const INVALID_ARGUMENT = 3;
const NOT_FOUND = 5;
const UNAUTHENTICATED = 16;
const RESOURCE_EXHAUSTED = 8;

export async function startPineconeDataPlaneServer(apiKey = 'test-key'): Promise<PineconeDataPlaneServer> {
  const namespaces = new Map<string, Map<string, StoredVector>>();
  const requests: RecordedRequest[] = [];
  const failures: { status: number; headers: Record<string, string> }[] = [];

  function handle(path: string, body: Record<string, unknown>): [number, unknown] {
    const namespace = typeof body.namespace === 'string' ? body.namespace : '';
    switch (path) {
      case '/vectors/upsert': {
        const vectors = body.vectors as {
          id: string;
          values: number[];
          metadata?: Record<string, unknown>;
        }[];
        if (vectors.length > MAX_UPSERT_RECORDS) {
          return [400, problem(INVALID_ARGUMENT, `Batch size exceeds the maximum of ${MAX_UPSERT_RECORDS}`)];
        }
        const ns = namespaces.get(namespace) ?? new Map<string, StoredVector>();
        namespaces.set(namespace, ns);
        for (const v of vectors) ns.set(v.id, { values: v.values, metadata: v.metadata ?? {} });
        return [200, { upsertedCount: vectors.length }];
      }
      case '/vectors/delete': {
        const ns = namespaces.get(namespace);
        if (body.deleteAll === true) {
          if (ns === undefined) return [404, problem(NOT_FOUND, 'Namespace not found')];
          namespaces.delete(namespace);
        } else {
          for (const id of (body.ids as string[] | undefined) ?? []) ns?.delete(id);
        }
        return [200, {}];
      }
      case '/query': {
        const vector = body.vector as number[];
        const filter = body.filter as Record<string, unknown> | undefined;
        const matches = [...(namespaces.get(namespace) ?? new Map<string, StoredVector>()).entries()]
          .filter(([, v]) => filter === undefined || evaluateFilter(filter, v.metadata))
          .map(([id, v]) => ({ id, score: cosine(vector, v.values), metadata: v.metadata }))
          .sort((a, b) => b.score - a.score)
          .slice(0, body.topK as number)
          .map((m) => (body.includeMetadata === true ? m : { id: m.id, score: m.score }));
        return [200, { matches, namespace, usage: { readUnits: 1 } }];
      }
      case '/describe_index_stats': {
        const stats = Object.fromEntries(
          [...namespaces].map(([name, ns]) => [name, { vectorCount: ns.size }]),
        );
        const total = [...namespaces.values()].reduce((sum, ns) => sum + ns.size, 0);
        return [200, { namespaces: stats, dimension: 0, indexFullness: 0, totalVectorCount: total }];
      }
      default:
        return [404, problem(NOT_FOUND, `No route ${path}`)];
    }
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = req.url ?? '/';
      const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      let body: Record<string, unknown>;
      try {
        body = raw.length === 0 ? {} : (JSON.parse(raw.toString('utf8')) as Record<string, unknown>);
      } catch {
        return send(400, problem(INVALID_ARGUMENT, 'Malformed JSON'));
      }
      requests.push({ path, bytes: raw.length, body, headers: req.headers });
      if (req.headers['api-key'] !== apiKey) return send(401, problem(UNAUTHENTICATED, 'Invalid API Key'));
      if (req.headers['x-pinecone-api-version'] === undefined) {
        return send(400, problem(INVALID_ARGUMENT, 'Missing X-Pinecone-API-Version'));
      }
      const failure = failures.shift();
      if (failure !== undefined)
        return send(failure.status, problem(RESOURCE_EXHAUSTED, 'Too many requests'), failure.headers);
      if (raw.length > MAX_REQUEST_BYTES) {
        return send(
          400,
          problem(INVALID_ARGUMENT, `Request size ${raw.length} exceeds the maximum of ${MAX_REQUEST_BYTES}`),
        );
      }
      try {
        const [status, payload] = handle(path, body);
        send(status, payload);
      } catch (err) {
        send(400, problem(INVALID_ARGUMENT, String(err)));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    apiKey,
    requests,
    failNext: (status, headers = {}) => failures.push({ status, headers }),
    close: () => new Promise((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}

function problem(code: number, message: string) {
  return { code, message, details: [] };
}

function cosine(a: number[], b: number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return dot / Math.sqrt(na * nb || 1);
}

/** Pinecone's metadata filter language: field operators, `$and`/`$or`, bare values as `$eq`. */
function evaluateFilter(filter: Record<string, unknown>, metadata: Record<string, unknown>): boolean {
  return Object.entries(filter).every(([field, condition]) => {
    if (field === '$and')
      return (condition as Record<string, unknown>[]).every((f) => evaluateFilter(f, metadata));
    if (field === '$or')
      return (condition as Record<string, unknown>[]).some((f) => evaluateFilter(f, metadata));
    const value = metadata[field];
    const ops =
      typeof condition === 'object' && condition !== null && !Array.isArray(condition)
        ? (condition as Record<string, unknown>)
        : { $eq: condition };
    return Object.entries(ops).every(([op, operand]) => {
      switch (op) {
        case '$eq':
          return value === operand;
        case '$ne':
          return value !== operand;
        case '$gt':
          return typeof value === 'number' && value > (operand as number);
        case '$gte':
          return typeof value === 'number' && value >= (operand as number);
        case '$lt':
          return typeof value === 'number' && value < (operand as number);
        case '$lte':
          return typeof value === 'number' && value <= (operand as number);
        case '$in':
          return (operand as unknown[]).includes(value);
        case '$nin':
          return !(operand as unknown[]).includes(value);
        case '$exists':
          return (value !== undefined) === operand;
        default:
          throw new Error(`unsupported filter operator ${op}`);
      }
    });
  });
}
