import { createImageFetcher, type ImageFetcher, isImageFetchError } from '@nlyzer/image-fetcher';
import type { SearchContext } from '../../search-context.ts';
import type { ImageSource } from '../../search-tables.ts';
import { loadInlineImages } from '../catalog/inline-images.ts';

/** Why one image of a product could not be loaded; `retryable` when the same source may work later. */
export interface ImageProblem {
  reason: string;
  retryable: boolean;
}

export interface LoadedImage {
  ok: true;
  bytes: Uint8Array;
  sha256: string;
}

export type LoadOutcome = LoadedImage | ({ ok: false } & ImageProblem);

export interface ImageLoader {
  /** One outcome per source, in order. */
  load(storeId: string, sources: readonly ImageSource[]): Promise<LoadOutcome[]>;
  close(): Promise<void>;
}

/**
 * Brings a product's images in: inline ones from `search.inline_images`, URLs through
 * the SSRF-safe fetcher (public addresses only unless CATALOG_IMAGE_FETCH_ALLOW_PRIVATE).
 */
export function createImageLoader(
  context: Pick<SearchContext, 'db' | 'config'>,
  fetcher: ImageFetcher = createImageFetcher({
    allowPrivateNetworks: context.config.CATALOG_IMAGE_FETCH_ALLOW_PRIVATE,
  }),
): ImageLoader {
  const { db } = context;

  async function fetchUrl(url: string): Promise<LoadOutcome> {
    try {
      const fetched = await fetcher.fetch(url);
      return { ok: true, bytes: fetched.bytes, sha256: fetched.sha256 };
    } catch (err) {
      if (isImageFetchError(err)) return { ok: false, reason: err.message, retryable: err.retryable };
      return { ok: false, reason: err instanceof Error ? err.message : String(err), retryable: true };
    }
  }

  return {
    async load(storeId, sources) {
      const hashes = sources.flatMap((source) => ('sha256' in source ? [source.sha256] : []));
      const inline = await db.withStore(storeId, (trx) => loadInlineImages(trx, storeId, hashes));
      return Promise.all(
        sources.map(async (source): Promise<LoadOutcome> => {
          if ('url' in source) return fetchUrl(source.url);
          const bytes = inline.get(source.sha256);
          return bytes === undefined
            ? {
                ok: false,
                reason: 'the inline image is no longer stored; post the product again',
                retryable: false,
              }
            : { ok: true, bytes, sha256: source.sha256 };
        }),
      );
    },
    close: () => fetcher.close(),
  };
}
