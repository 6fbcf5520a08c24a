import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import {
  type DecodedImage,
  decodeImage,
  embedCatalogImage,
  encodeLocalFeatures,
  type GeometricVerifier,
  type ImageEmbedder,
  ImageRejectedError,
  type StyleDna,
} from '@nlyzer/vision';

/** The same bounds as a shopper's upload: a catalog image is just as untrusted. */
export const CATALOG_DECODE = { maxPixels: 50_000_000, maxSide: 512 } as const;

export interface AnalyzedImage {
  width: number;
  height: number;
  /** One per catalog view of the image (`catalogViews`: the original first, then relit and piled copies). */
  vectors: Float32Array[];
  /** The original's keypoints for geometric re-ranking (`encodeLocalFeatures`). */
  localFeatures: Uint8Array;
}

export type ImageOutcome = { ok: true; image: AnalyzedImage } | { ok: false; reason: string };

export interface ProductAnalysis {
  /** Read from the first image; null when it could not be decoded. */
  styleDna: StyleDna | null;
  images: ImageOutcome[];
}

/**
 * Decodes a product's images (with the upload limits), reads the StyleDNA of the first,
 * embeds every catalog view of every image and extracts each original's keypoints. Pure
 * CPU apart from the decoder, so it runs the same on the main thread and in a worker
 * thread. A refused image is an outcome with its reason, not an exception. `cooperative`
 * yields to the event loop between steps, so a main thread serving searches is never
 * blocked for longer than one step.
 */
export async function analyzeProductImages(
  images: readonly Uint8Array[],
  embedder: ImageEmbedder,
  verifier: GeometricVerifier,
  cooperative = false,
): Promise<ProductAnalysis> {
  const pause = cooperative ? () => yieldToEventLoop() : async () => {};
  let styleDna: StyleDna | null = null;
  const outcomes: ImageOutcome[] = [];
  for (const [position, bytes] of images.entries()) {
    let decoded: DecodedImage;
    try {
      decoded = await decodeImage(bytes, CATALOG_DECODE);
    } catch (err) {
      if (!(err instanceof ImageRejectedError)) throw err;
      outcomes.push({ ok: false, reason: err.message });
      continue;
    }
    await pause();
    const embedded = await embedCatalogImage(decoded, embedder, { styleDna: position === 0 });
    if (position === 0) styleDna = embedded.styleDna;
    await pause();
    const localFeatures = encodeLocalFeatures(verifier.catalogFeatures(decoded));
    outcomes.push({
      ok: true,
      image: { width: decoded.width, height: decoded.height, vectors: embedded.vectors, localFeatures },
    });
  }
  return { styleDna, images: outcomes };
}
