import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { l2Normalise } from '../descriptor-embedder.ts';
import type { DecodedImage } from '../embedder.ts';
import { createOpenAiEmbedder, type OpenAiEmbedderOptions } from './openai-embedder.ts';
import { OpenAiEmbedderError } from './openai-embedder-error.ts';
import {
  apiError,
  chatCompletion,
  fakeEmbedding,
  type OpenAiTestServer,
  startOpenAiTestServer,
} from './openai-test-server.ts';

const API_KEY = 'sk-test-nlyzer';
const CHAT = '/v1/chat/completions';
const EMBEDDINGS = '/v1/embeddings';

let server: OpenAiTestServer;
beforeEach(async () => {
  server = await startOpenAiTestServer({ apiKey: API_KEY });
});
afterEach(() => server.close());

function embedder(options: Partial<OpenAiEmbedderOptions> = {}) {
  return createOpenAiEmbedder({ apiKey: API_KEY, baseUrl: server.baseUrl, maxRetries: 0, ...options });
}

function photo(width: number, height: number): DecodedImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i += 3) {
    data[i] = 30;
    data[i + 1] = 40;
    data[i + 2] = (i / 3) % width < width / 2 ? 120 : 240;
  }
  return { width, height, data };
}

async function failure(promise: Promise<unknown>): Promise<OpenAiEmbedderError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OpenAiEmbedderError);
  return error as OpenAiEmbedderError;
}

const rateLimit = (retryAfter: string) =>
  apiError(
    429,
    {
      message:
        'Rate limit reached for gpt-4o-mini in organization org-test on requests per min (RPM): Limit 3, Used 3.',
      type: 'requests',
      code: 'rate_limit_exceeded',
    },
    { 'retry-after': retryAfter },
  );

describe('createOpenAiEmbedder', () => {
  it('describes a downscaled JPEG with a strict StyleDNA schema and embeds its canonical rendering', async () => {
    server.styleContent = JSON.stringify({
      colors: ['Navy', ' white', 'navy'],
      patterns: ['Striped'],
      category: 'Midi Dress ',
      occasion: 'casual',
    });
    const openai = embedder();
    const vector = await openai.embed(photo(1000, 600));

    const rendered = 'category: midi dress\ncolors: navy, white\npatterns: striped\noccasion: casual';
    const expected = l2Normalise(fakeEmbedding(rendered, 512));
    expect(vector).toHaveLength(512);
    for (let i = 0; i < 512; i += 37) expect(vector[i]).toBeCloseTo(expected[i]!, 6);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);

    const [chat, embeddings] = server.requests;
    expect(chat!.path).toBe(CHAT);
    expect(chat!.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(chat!.body.model).toBe('gpt-4o-mini');
    expect(chat!.body.response_format).toMatchObject({
      type: 'json_schema',
      json_schema: {
        name: 'style_dna',
        strict: true,
        schema: {
          type: 'object',
          additionalProperties: false,
          required: ['colors', 'patterns', 'category', 'occasion'],
        },
      },
    });
    const image = chat!.body.messages[1].content.find((part: { type: string }) => part.type === 'image_url');
    const url: string = image.image_url.url;
    expect(url.startsWith('data:image/jpeg;base64,')).toBe(true);
    const sent = await sharp(Buffer.from(url.slice('data:image/jpeg;base64,'.length), 'base64')).metadata();
    expect([sent.format, sent.width, sent.height]).toEqual(['jpeg', 512, 307]);

    expect(embeddings!.path).toBe(EMBEDDINGS);
    expect(embeddings!.body).toEqual({
      model: 'text-embedding-3-small',
      input: rendered,
      dimensions: 512,
      encoding_format: 'base64',
    });
  });

  it('returns the tidied StyleDNA from describe() and puts text queries in the same space', async () => {
    server.styleContent = JSON.stringify({
      colors: ['Red'],
      patterns: [],
      category: 'Sneakers',
      occasion: 'Sport',
    });
    const openai = embedder({ dimensions: 256 });
    const style = await openai.describe(photo(64, 64));
    expect(style).toEqual({ colors: ['red'], patterns: [], category: 'sneakers', occasion: 'sport' });
    const fromImage = await openai.embed(photo(64, 64));
    const fromStyle = await openai.embedStyle(style);
    const fromText = await openai.embedText('category: sneakers\ncolors: red\npatterns: \noccasion: sport');
    expect(fromImage).toHaveLength(256);
    expect(fromStyle).toEqual(fromImage);
    expect(fromText).toEqual(fromImage);
    expect(await openai.embedText('red sneakers')).not.toEqual(fromImage);
  });

  it('versions the vectors by both models and the dimensions', () => {
    const base = embedder();
    expect([base.id, base.dims]).toEqual(['openai', 512]);
    const versions = [
      base,
      embedder({ visionModel: 'gpt-4.1-mini' }),
      embedder({ embeddingModel: 'text-embedding-3-large' }),
      embedder({ dimensions: 256 }),
    ].map((e) => e.version);
    expect(new Set(versions).size).toBe(4);
    expect(embedder().version).toBe(base.version);
  });

  it('waits out a 429 as retry-after asks, then succeeds', async () => {
    server.script(CHAT, rateLimit('1'));
    const started = Date.now();
    const style = await embedder({ maxRetries: 2 }).describe(photo(32, 32));
    expect(style.category).toBe('shirt');
    expect(server.requests.filter((r) => r.path === CHAT)).toHaveLength(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('reports rate_limited once the retries are spent', async () => {
    server.script(EMBEDDINGS, rateLimit('0'), rateLimit('0'));
    const error = await failure(embedder({ maxRetries: 1 }).embedText('navy shirt'));
    expect([error.code, error.status]).toEqual(['rate_limited', 429]);
    expect(error.requestId).toBe('req_test2');
    expect(error.message).toContain('text-embedding-3-small');
    expect(server.requests).toHaveLength(2);
  });

  it('reports a wrong API key as unauthorized without retrying', async () => {
    const error = await failure(embedder({ apiKey: 'sk-wrong', maxRetries: 2 }).embed(photo(16, 16)));
    expect([error.code, error.status]).toEqual(['unauthorized', 401]);
    expect(error.message).toContain('Incorrect API key');
    expect(server.requests).toHaveLength(1);
  });

  it('reports server errors, rejected requests, timeouts and refused connections', async () => {
    server.script(
      CHAT,
      apiError(500, {
        message: 'The server had an error while processing your request.',
        type: 'server_error',
      }),
    );
    expect((await failure(embedder().describe(photo(16, 16)))).code).toBe('upstream_unavailable');

    server.script(
      EMBEDDINGS,
      apiError(400, {
        message: 'This model does not support specifying dimensions.',
        type: 'invalid_request_error',
        param: 'dimensions',
      }),
    );
    const rejected = await failure(embedder().embedText('x'));
    expect([rejected.code, rejected.status]).toEqual(['request_rejected', 400]);

    server.script(CHAT, { ...chatCompletion('{}'), delayMs: 400 });
    expect((await failure(embedder({ timeoutMs: 100 }).describe(photo(16, 16)))).code).toBe('timeout');

    const closed = await startOpenAiTestServer({ apiKey: API_KEY });
    await closed.close();
    const unreachable = createOpenAiEmbedder({ apiKey: API_KEY, baseUrl: closed.baseUrl, maxRetries: 0 });
    expect((await failure(unreachable.embedText('x'))).code).toBe('upstream_unavailable');
  });

  it('rejects answers that are not a StyleDNA, refusals, and vectors of the wrong length', async () => {
    server.script(
      CHAT,
      chatCompletion('Sure! Here is the JSON: {"colors": ["red"', { finishReason: 'length' }),
    );
    const notJson = await failure(embedder().describe(photo(16, 16)));
    expect(notJson.code).toBe('invalid_response');
    expect(notJson.message).toContain('finish_reason length');

    server.script(CHAT, chatCompletion(JSON.stringify({ colors: 'red', patterns: [], category: 'hat' })));
    const wrongShape = await failure(embedder().describe(photo(16, 16)));
    expect(wrongShape.code).toBe('invalid_response');
    expect(wrongShape.message).toMatch(/occasion/);
    expect(wrongShape.message).toContain('/colors');

    server.script(CHAT, chatCompletion(null, { refusal: "I'm sorry, I can't help with that request." }));
    const refused = await failure(embedder().describe(photo(16, 16)));
    expect(refused.code).toBe('refused');
    expect(refused.message).toContain("can't help");

    server.script(EMBEDDINGS, {
      status: 200,
      body: {
        object: 'list',
        data: [{ object: 'embedding', index: 0, embedding: [0.1, 0.2, 0.3] }],
        model: 'text-embedding-3-small',
        usage: { prompt_tokens: 1, total_tokens: 1 },
      },
    });
    const short = await failure(embedder().embedText('x'));
    expect(short.code).toBe('invalid_response');
    expect(short.message).toContain('returned 3 values, expected 512');
  });
});
