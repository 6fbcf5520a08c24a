import { tmpdir } from 'node:os';
import path from 'node:path';
import { gatewayConfigSchema } from '@nlyzer/gateway';
import { withBaseConfig } from '@nlyzer/service-kit';
import Type, { type Static } from 'typebox';

export const EMBEDDER_KINDS = ['descriptor', 'onnx', 'openai'] as const;
export type EmbedderKind = (typeof EMBEDDER_KINDS)[number];

export const searchConfigSchema = withBaseConfig(
  Type.Object({
    // Same variable and meaning as the gateway's: the gateway signs widget tokens, search verifies them.
    WIDGET_TOKEN_SECRET: gatewayConfigSchema.properties.WIDGET_TOKEN_SECRET,
    SEARCH_EMBEDDER: Type.Enum(EMBEDDER_KINDS, {
      default: 'descriptor',
      description: 'Image embedder of new stores: descriptor (built in), onnx (ONNX_MODEL_DIR) or openai',
    }),
    ONNX_MODEL_DIR: Type.Optional(
      Type.String({
        minLength: 1,
        requiredWhen: { SEARCH_EMBEDDER: 'onnx' },
        description: 'Folder holding model.onnx and embedder.json for the onnx embedder',
      }),
    ),
    OPENAI_API_KEY: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        requiredWhen: { SEARCH_EMBEDDER: 'openai' },
        description: 'OpenAI key for the openai embedder',
      }),
    ),
    OPENAI_BASE_URL: Type.Optional(
      Type.String({ format: 'uri', description: 'OpenAI-compatible API base URL (default api.openai.com)' }),
    ),
    VECTOR_INDEX: Type.Enum(['local', 'pinecone'], {
      default: 'local',
      description: 'Vector index: local (in-process HNSW, persisted under the data dir) or pinecone',
    }),
    VECTOR_INDEX_DIR: Type.Optional(
      Type.String({
        minLength: 1,
        description: 'Snapshots of the local vector index; unset → <NLYZER_DATA_DIR>/vector-index',
      }),
    ),
    PINECONE_API_KEY: Type.Optional(
      Type.String({
        minLength: 1,
        secret: true,
        requiredWhen: { VECTOR_INDEX: 'pinecone' },
        description: 'Pinecone API key',
      }),
    ),
    PINECONE_INDEX_HOST: Type.Optional(
      Type.String({
        format: 'uri',
        requiredWhen: { VECTOR_INDEX: 'pinecone' },
        description: "Data-plane URL of the Pinecone index (its dimension must match the embedder's)",
      }),
    ),
    SEARCH_CACHE_TTL_SECONDS: Type.Integer({
      minimum: 0,
      maximum: 3600,
      default: 300,
      description: 'How long a search result stays cached (0 turns the cache off)',
    }),
    SEARCH_CACHE_MAX_ENTRIES: Type.Integer({
      minimum: 1,
      default: 20_000,
      description: 'Cached search results kept per instance',
    }),
    INDEXING_CONCURRENCY: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 2,
      description: 'Batches of up to 32 queued products the indexing worker processes at once',
    }),
    CATALOG_IMAGE_FETCH_ALLOW_PRIVATE: Type.Boolean({
      default: false,
      description: 'Let catalog image URLs point at private or loopback addresses (development only)',
    }),
  }),
);

export type SearchConfig = Static<typeof searchConfigSchema>;

export function vectorIndexDirectory(config: SearchConfig): string {
  if (config.VECTOR_INDEX_DIR) return config.VECTOR_INDEX_DIR;
  // An in-memory install has no data folder: its snapshots are as throwaway as its database.
  if (config.NLYZER_DATA_DIR === 'memory://')
    return path.join(tmpdir(), `nlyzer-vector-index-${process.pid}`);
  return path.resolve(config.NLYZER_DATA_DIR, 'vector-index');
}
