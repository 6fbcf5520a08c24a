import OpenAI from 'openai';
import sharp from 'sharp';
import { Value } from 'typebox/value';
import { l2Normalise } from '../descriptor-embedder.ts';
import type { DecodedImage, ImageEmbedder } from '../embedder.ts';
import { OpenAiEmbedderError } from './openai-embedder-error.ts';
import { OpenAiStyleDna, renderStyleDna, tidyStyleDna } from './openai-style-dna.ts';

export interface OpenAiEmbedderOptions {
  apiKey: string;
  /** Default https://api.openai.com/v1; any server speaking the same API (a proxy, Azure's v1 endpoint). */
  baseUrl?: string;
  /** Reads the photo; must support image input, strict JSON schema output and temperature 0. */
  visionModel?: string;
  /** Embeds the description and text queries; must accept `dimensions` (text-embedding-3-*). */
  embeddingModel?: string;
  dimensions?: number;
  /** Per attempt. */
  timeoutMs?: number;
  /** Retries of 408/409/429/5xx and connection failures, with the SDK's backoff and Retry-After. */
  maxRetries?: number;
}

export interface OpenAiEmbedder extends ImageEmbedder {
  /** The style attributes the vision model reads off the photo (one chat completion). */
  describe(image: DecodedImage): Promise<OpenAiStyleDna>;
  /** The vector embed() gives for a photo with this description (one embeddings call). */
  embedStyle(style: OpenAiStyleDna): Promise<Float32Array>;
  /** A shopper's text query in the same space as the image vectors. */
  embedText(text: string): Promise<Float32Array>;
}

/** Bumped when the prompt or the rendering changes, since either moves every vector. */
const PROMPT_REVISION = 1;
/** "low" detail reads a 512 px image, so nothing larger is sent. */
const MAX_IMAGE_SIDE = 512;

const INSTRUCTIONS =
  'You describe product photos from online stores for a visual search index. ' +
  'Describe only the main product, not the background, the model wearing it or props. ' +
  'Use short, common, lower-case words a shopper would type.';

function rejection(error: unknown, call: string, model: string): OpenAiEmbedderError {
  const where = `${call} with ${model}`;
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new OpenAiEmbedderError('timeout', `${where} timed out`, { cause: error });
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new OpenAiEmbedderError('upstream_unavailable', `${where} could not connect: ${error.message}`, {
      cause: error,
    });
  }
  if (error instanceof OpenAI.APIError) {
    const { status } = error;
    const code =
      status === 401 || status === 403
        ? 'unauthorized'
        : status === 429
          ? 'rate_limited'
          : status !== undefined && status >= 500
            ? 'upstream_unavailable'
            : 'request_rejected';
    return new OpenAiEmbedderError(code, `${where} failed: ${error.message}`, {
      cause: error,
      status,
      requestId: error.requestID,
    });
  }
  // the SDK's own parsing, e.g. of a base64 embedding
  return new OpenAiEmbedderError('invalid_response', `${where} returned an unusable answer`, {
    cause: error,
  });
}

async function toJpegDataUrl(image: DecodedImage): Promise<string> {
  const jpeg = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize({ width: MAX_IMAGE_SIDE, height: MAX_IMAGE_SIDE, fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 85 })
    .toBuffer();
  return `data:image/jpeg;base64,${jpeg.toString('base64')}`;
}

function readStyleDna(completion: OpenAI.ChatCompletion, model: string): OpenAiStyleDna {
  const choice = completion.choices[0];
  if (choice?.message.refusal || choice?.finish_reason === 'content_filter') {
    throw new OpenAiEmbedderError(
      'refused',
      `${model} declined to describe the photo: ${choice.message.refusal ?? 'content filter'}`,
    );
  }
  const content = choice?.message.content ?? '';
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (error) {
    throw new OpenAiEmbedderError(
      'invalid_response',
      `${model} answered with content that is not JSON (finish_reason ${choice?.finish_reason}): ${content.slice(0, 120)}`,
      { cause: error },
    );
  }
  if (!Value.Check(OpenAiStyleDna, parsed)) {
    const problems = [...Value.Errors(OpenAiStyleDna, parsed)].map(
      (e) => `${e.instancePath || '/'} ${e.message}`,
    );
    throw new OpenAiEmbedderError(
      'invalid_response',
      `${model} answered JSON that is not a StyleDNA: ${problems.join('; ')}`,
    );
  }
  return tidyStyleDna(parsed);
}

/**
 * An image embedder that asks a vision model for the product's StyleDNA, then embeds a
 * canonical text rendering of it: two calls per photo, and text queries land in the
 * same space. Vectors depend on both models, the dimensions and the prompt, hence the version.
 */
export function createOpenAiEmbedder(options: OpenAiEmbedderOptions): OpenAiEmbedder {
  const visionModel = options.visionModel ?? 'gpt-4o-mini';
  const embeddingModel = options.embeddingModel ?? 'text-embedding-3-small';
  const dimensions = options.dimensions ?? 512;
  // every setting is passed so the SDK reads none of its OPENAI_* environment variables
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseUrl ?? 'https://api.openai.com/v1',
    adminAPIKey: null,
    organization: null,
    project: null,
    webhookSecret: null,
    timeout: options.timeoutMs ?? 30_000,
    maxRetries: options.maxRetries ?? 2,
    logLevel: 'off',
  });

  async function describe(image: DecodedImage): Promise<OpenAiStyleDna> {
    const url = await toJpegDataUrl(image);
    let completion: OpenAI.ChatCompletion;
    try {
      completion = await client.chat.completions.create({
        model: visionModel,
        temperature: 0,
        max_completion_tokens: 300,
        response_format: {
          type: 'json_schema',
          json_schema: { name: 'style_dna', strict: true, schema: { ...OpenAiStyleDna } },
        },
        messages: [
          { role: 'system', content: INSTRUCTIONS },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Describe the product in this photo.' },
              { type: 'image_url', image_url: { url, detail: 'low' } },
            ],
          },
        ],
      });
    } catch (error) {
      throw rejection(error, 'describing the photo', visionModel);
    }
    return readStyleDna(completion, visionModel);
  }

  async function embedText(text: string): Promise<Float32Array> {
    let embedding: ArrayLike<number> | undefined;
    try {
      const response = await client.embeddings.create({ model: embeddingModel, input: text, dimensions });
      embedding = response.data[0]?.embedding;
    } catch (error) {
      throw rejection(error, 'embedding text', embeddingModel);
    }
    if (embedding?.length !== dimensions) {
      throw new OpenAiEmbedderError(
        'invalid_response',
        `${embeddingModel} returned ${embedding?.length ?? 'no'} values, expected ${dimensions}`,
      );
    }
    return l2Normalise(Float32Array.from(embedding));
  }

  const embedStyle = (style: OpenAiStyleDna) => embedText(renderStyleDna(style));

  return {
    id: 'openai',
    version: `${visionModel}/${embeddingModel}/${dimensions}/prompt-${PROMPT_REVISION}`,
    dims: dimensions,
    embed: async (image) => embedStyle(await describe(image)),
    describe,
    embedStyle,
    embedText,
  };
}
