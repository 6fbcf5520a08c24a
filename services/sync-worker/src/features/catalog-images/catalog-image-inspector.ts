import {
  createImageFetcher,
  type FetchedImage,
  type ImageFetchFailure,
  isImageFetchError,
  type ResolveHost,
  type UnchangedImage,
} from '@nlyzer/image-fetcher';
import { IMAGE_CONTENT_TYPES, IMAGE_FORMAT_NAMES, readImageSize, sniffImageFormat } from './image-format.ts';

/** What the last sync stored about an image that was fine then. */
export interface KnownImage {
  sha256: string;
  width: number;
  height: number;
  bytes: number;
  contentType: string;
  etag: string | null;
  lastModified: string | null;
}

export interface ImageToInspect {
  url: string;
  known: KnownImage | null;
}

/** Why an image cannot be indexed; the values of `catalog.product_images.status` besides ok/pending. */
export type ImageProblem = 'broken' | 'not_image' | 'too_large' | 'refused';

export type ImageInspection =
  | {
      url: string;
      ok: true;
      /** Hex SHA-256 of the bytes: equal hashes at different URLs are the same picture. */
      sha256: string;
      width: number;
      height: number;
      bytes: number;
      /** The type the bytes really are (magic numbers), not what the server claimed. */
      contentType: string;
      etag: string | null;
      lastModified: string | null;
      /** The server confirmed `known` is current (304); nothing was downloaded. */
      notModified: boolean;
    }
  | { url: string; ok: false; status: ImageProblem; error: string };

export interface CatalogImageInspector {
  /**
   * One inspection per image, in the order given; a URL listed twice is fetched once
   * (with the first entry's `known`).
   * Rejects only with `signal.reason` when the caller aborts, or when the inspector closes.
   */
  inspect(images: readonly ImageToInspect[], signal?: AbortSignal): Promise<ImageInspection[]>;
  close(): Promise<void>;
}

export interface CatalogImageInspectorOptions {
  /** Downloads in flight at once, shared by every `inspect` call. */
  concurrency: number;
  /** Local development and benchmarks only (PLATFORM_FETCH_ALLOW_PRIVATE). */
  allowPrivateNetworks: boolean;
  allowedPrivateRanges?: readonly string[];
  lookup?: ResolveHost;
  timeoutMs?: number;
  retries?: number;
  /** Default 20 MB. */
  maxBytes?: number;
  /** Larger images are refused from their header alone (decompression bombs). Default 50 MP. */
  maxPixels?: number;
}

const DEFAULT_MAX_BYTES = 20 * 1024 * 1024;
const DEFAULT_MAX_PIXELS = 50_000_000;

const PROBLEM_BY_FAILURE: Partial<Record<ImageFetchFailure, ImageProblem>> = {
  blocked_address: 'refused',
  too_large: 'too_large',
  not_an_image: 'not_image',
};

const ACCEPTED_FORMATS = 'a JPEG, PNG, WebP, AVIF or GIF image';

/**
 * Checks a synced product's images the way search will need them: reachable through the
 * SSRF-safe fetcher (bounded concurrency, deadline, retries, size limit), really one of
 * the formats search decodes, and not too many pixels. Images unchanged since the last
 * sync are revalidated with their ETag / Last-Modified instead of downloaded. The bytes
 * are dropped once hashed and measured: search fetches what it indexes itself.
 */
export function createCatalogImageInspector(options: CatalogImageInspectorOptions): CatalogImageInspector {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const fetcher = createImageFetcher({
    concurrency: options.concurrency,
    allowPrivateNetworks: options.allowPrivateNetworks,
    allowedPrivateRanges: options.allowedPrivateRanges,
    lookup: options.lookup,
    timeoutMs: options.timeoutMs,
    retries: options.retries,
    maxBytes: options.maxBytes ?? DEFAULT_MAX_BYTES,
  });

  async function inspectOne({ url, known }: ImageToInspect, signal?: AbortSignal): Promise<ImageInspection> {
    let retrieved: FetchedImage | UnchangedImage;
    try {
      retrieved = await fetcher.fetchIfChanged(
        url,
        { etag: known?.etag ?? null, lastModified: known?.lastModified ?? null },
        signal,
      );
    } catch (err) {
      if (!isImageFetchError(err)) throw err;
      return { url, ok: false, status: PROBLEM_BY_FAILURE[err.code] ?? 'broken', error: err.message };
    }
    if ('notModified' in retrieved) {
      // Only a request carrying known's validators can come back unchanged.
      const { sha256, width, height, bytes, contentType } = known!;
      const { etag, lastModified } = retrieved;
      return {
        url,
        ok: true,
        sha256,
        width,
        height,
        bytes,
        contentType,
        etag,
        lastModified,
        notModified: true,
      };
    }
    return measure(retrieved);
  }

  async function measure(image: FetchedImage): Promise<ImageInspection> {
    const { url, sha256, etag, lastModified } = image;
    const host = new URL(url).host;
    const format = sniffImageFormat(image.bytes);
    if (format === null) {
      const claimed = image.contentType === null ? '' : ` (it was served as ${image.contentType})`;
      return notImage(url, `The file from ${host} is not ${ACCEPTED_FORMATS}${claimed}`);
    }
    const size = await readImageSize(image.bytes);
    if (size === null) {
      return notImage(url, `The ${IMAGE_FORMAT_NAMES[format]} image from ${host} has an unreadable header`);
    }
    const { width, height } = size;
    if (width * height > maxPixels) {
      return {
        url,
        ok: false,
        status: 'too_large',
        error: `The image from ${host} is ${width} × ${height} pixels, more than the ${megapixels(maxPixels)} MP limit`,
      };
    }
    return {
      url,
      ok: true,
      sha256,
      width,
      height,
      bytes: image.bytes.length,
      contentType: IMAGE_CONTENT_TYPES[format],
      etag,
      lastModified,
      notModified: false,
    };
  }

  return {
    async inspect(images, signal) {
      const firstOfEachUrl = new Map<string, ImageToInspect>();
      for (const image of images) if (!firstOfEachUrl.has(image.url)) firstOfEachUrl.set(image.url, image);
      const inspections = new Map(
        await Promise.all(
          [...firstOfEachUrl.values()].map(
            async (image) => [image.url, await inspectOne(image, signal)] as const,
          ),
        ),
      );
      return images.map((image) => inspections.get(image.url)!);
    },
    close: () => fetcher.close(),
  };
}

function notImage(url: string, error: string): ImageInspection {
  return { url, ok: false, status: 'not_image', error };
}

function megapixels(pixels: number): number {
  return Number((pixels / 1_000_000).toFixed(1));
}
