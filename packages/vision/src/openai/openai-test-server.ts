import { createHash } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the two OpenAI endpoints the embedder calls, answering with the
 * API's real shapes (chat.completion objects, embedding lists with base64 float32,
 * `{ error: { message, type, param, code } }` bodies and x-request-id headers), so the
 * real SDK runs end to end against it.
 */
export interface RecordedRequest {
  path: string;
  headers: IncomingHttpHeaders;
  // biome-ignore lint/suspicious/noExplicitAny: request bodies are inspected field by field in the tests
  body: any;
}

export interface ScriptedReply {
  status: number;
  headers?: Record<string, string>;
  /** JSON-encoded unless a string. */
  body: unknown;
  /** Held back this long first; a client that gave up by then sees nothing. */
  delayMs?: number;
}

export interface OpenAiTestServer {
  baseUrl: string;
  requests: RecordedRequest[];
  /** The content the chat endpoint answers with when no reply is scripted. */
  styleContent: string;
  /** Replies given, in order, before the default behaviour resumes. */
  script(path: '/v1/chat/completions' | '/v1/embeddings', ...replies: ScriptedReply[]): void;
  close(): Promise<void>;
}

/** The unnormalised vector the embeddings endpoint gives for a text, derived from its hash. */
export function fakeEmbedding(text: string, dimensions: number): Float32Array {
  const out = new Float32Array(dimensions);
  let block = createHash('sha256').update(text).digest();
  for (let i = 0; i < dimensions; i++) {
    if (i % 32 === 0 && i > 0) block = createHash('sha256').update(block).digest();
    out[i] = (block[i % 32]! - 127.5) / 40;
  }
  return out;
}

export function apiError(
  status: number,
  error: { message: string; type: string; param?: string | null; code?: string | null },
  headers: Record<string, string> = {},
): ScriptedReply {
  return { status, headers, body: { error: { param: null, code: null, ...error } } };
}

export function chatCompletion(
  content: string | null,
  options: { refusal?: string; finishReason?: string } = {},
): ScriptedReply {
  return {
    status: 200,
    body: {
      id: 'chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG',
      object: 'chat.completion',
      created: 1741570283,
      model: 'gpt-4o-mini-2024-07-18',
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content, refusal: options.refusal ?? null, annotations: [] },
          logprobs: null,
          finish_reason: options.finishReason ?? 'stop',
        },
      ],
      usage: {
        prompt_tokens: 2890,
        completion_tokens: 31,
        total_tokens: 2921,
        prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
        completion_tokens_details: {
          reasoning_tokens: 0,
          audio_tokens: 0,
          accepted_prediction_tokens: 0,
          rejected_prediction_tokens: 0,
        },
      },
      service_tier: 'default',
      system_fingerprint: 'fp_06737a9306',
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the request body as the SDK sent it
function embeddingList(body: any): ScriptedReply {
  const inputs: string[] = Array.isArray(body.input) ? body.input : [body.input];
  const dimensions: number = body.dimensions ?? 1536;
  return {
    status: 200,
    body: {
      object: 'list',
      data: inputs.map((input, index) => {
        const vector = fakeEmbedding(input, dimensions);
        return {
          object: 'embedding',
          index,
          embedding:
            body.encoding_format === 'base64'
              ? Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength).toString('base64')
              : Array.from(vector),
        };
      }),
      model: body.model,
      usage: { prompt_tokens: 12 * inputs.length, total_tokens: 12 * inputs.length },
    },
  };
}

export async function startOpenAiTestServer(options: { apiKey: string }): Promise<OpenAiTestServer> {
  const requests: RecordedRequest[] = [];
  const scripts = new Map<string, ScriptedReply[]>();
  let replies = 0;
  const state = {
    styleContent: JSON.stringify({
      colors: ['navy'],
      patterns: ['solid'],
      category: 'shirt',
      occasion: 'office',
    }),
  };

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : null;
    requests.push({ path, headers: req.headers, body });

    const reply = ((): ScriptedReply => {
      const scripted = scripts.get(path)?.shift();
      if (scripted) return scripted;
      if (req.headers.authorization !== `Bearer ${options.apiKey}`) {
        return apiError(401, {
          message:
            'Incorrect API key provided: sk-wrong. You can find your API key at https://platform.openai.com/account/api-keys.',
          type: 'invalid_request_error',
          code: 'invalid_api_key',
        });
      }
      if (req.method === 'POST' && path === '/v1/chat/completions') return chatCompletion(state.styleContent);
      if (req.method === 'POST' && path === '/v1/embeddings') return embeddingList(body);
      return apiError(404, { message: `Invalid URL (${req.method} ${path})`, type: 'invalid_request_error' });
    })();

    if (reply.delayMs) await new Promise((resolve) => setTimeout(resolve, reply.delayMs));
    if (res.destroyed) return;
    const payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    res.writeHead(reply.status, {
      'content-type': 'application/json',
      'x-request-id': `req_test${++replies}`,
      'openai-processing-ms': '42',
      ...reply.headers,
    });
    res.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    get styleContent() {
      return state.styleContent;
    },
    set styleContent(content: string) {
      state.styleContent = content;
    },
    script(path, ...replies) {
      scripts.set(path, [...(scripts.get(path) ?? []), ...replies]);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
