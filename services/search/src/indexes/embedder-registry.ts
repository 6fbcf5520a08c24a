import {
  createDescriptorEmbedder,
  createGeometricVerifier,
  type GeometricVerifier,
  type ImageEmbedder,
} from '@nlyzer/vision';
import type { EmbedderKind, SearchConfig } from '../config.ts';

/**
 * The embedders a search instance can use, created on first use: a store's embedder is
 * a setting, so an instance may need several, and the ONNX session or the OpenAI client
 * are only built when some store asks for them.
 */
export interface EmbedderRegistry {
  embedder(kind: EmbedderKind): Promise<ImageEmbedder>;
  /** Keypoints for re-ranking the descriptor's top candidates. */
  verifier(): Promise<GeometricVerifier>;
  /** The embedder new stores start with. */
  readonly defaultKind: EmbedderKind;
}

export type EmbedderFactories = Partial<Record<EmbedderKind, () => Promise<ImageEmbedder>>>;

export function createEmbedderRegistry(
  config: SearchConfig,
  factories: EmbedderFactories = {},
): EmbedderRegistry {
  const builders: Record<EmbedderKind, () => Promise<ImageEmbedder>> = {
    descriptor: async () => createDescriptorEmbedder(),
    onnx: async () => {
      const { createOnnxEmbedder } = await import('@nlyzer/vision');
      return createOnnxEmbedder({ modelDir: config.ONNX_MODEL_DIR! });
    },
    openai: async () => {
      const { createOpenAiEmbedder } = await import('@nlyzer/vision');
      return createOpenAiEmbedder({ apiKey: config.OPENAI_API_KEY!, baseUrl: config.OPENAI_BASE_URL });
    },
    ...factories,
  };
  const built = new Map<EmbedderKind, Promise<ImageEmbedder>>();
  let verifier: Promise<GeometricVerifier> | undefined;
  return {
    defaultKind: config.SEARCH_EMBEDDER,
    embedder(kind) {
      let embedder = built.get(kind);
      if (embedder === undefined) {
        embedder = builders[kind]();
        built.set(kind, embedder);
        embedder.catch(() => built.delete(kind));
      }
      return embedder;
    },
    verifier() {
      verifier ??= createGeometricVerifier();
      return verifier;
    },
  };
}
