import sharp from 'sharp';
import type { DecodedImage } from './embedder.ts';
import { ImageRejectedError } from './image-rejected-error.ts';

export interface DecodeOptions {
  /** Refuse inputs whose header declares more pixels than this (decompression bombs). */
  maxPixels?: number;
  /** Longest side after the single downscale; every descriptor works well below it. */
  maxSide?: number;
}

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif';

const DEFAULT_MAX_PIXELS = 50_000_000;
const DEFAULT_MAX_SIDE = 512;

function startsWith(buf: Uint8Array, offset: number, ascii: string): boolean {
  if (buf.length < offset + ascii.length) return false;
  for (let i = 0; i < ascii.length; i++) if (buf[offset + i] !== ascii.charCodeAt(i)) return false;
  return true;
}

/** ISO-BMFF brands that carry AV1 still images or sequences. */
function isAvif(buf: Uint8Array): boolean {
  if (!startsWith(buf, 4, 'ftyp')) return false;
  const boxSize = ((buf[0]! << 24) | (buf[1]! << 16) | (buf[2]! << 8) | buf[3]!) >>> 0;
  const end = Math.min(buf.length, boxSize);
  // major brand at 8, minor version at 12, compatible brands from 16
  for (let offset = 8; offset + 4 <= end; offset += offset === 8 ? 8 : 4) {
    if (startsWith(buf, offset, 'avif') || startsWith(buf, offset, 'avis')) return true;
  }
  return false;
}

/**
 * The format named by the file's magic bytes, never by its name or declared type:
 * only formats a phone or a store's CDN produces are accepted.
 */
export function sniffImageFormat(buf: Uint8Array): ImageFormat | null {
  if (buf.length >= 3 && buf[0] === 0xff && buf[1] === 0xd8 && buf[2] === 0xff) return 'jpeg';
  if (startsWith(buf, 0, '\x89PNG\r\n\x1a\n')) return 'png';
  if (startsWith(buf, 0, 'RIFF') && startsWith(buf, 8, 'WEBP')) return 'webp';
  if (isAvif(buf)) return 'avif';
  return null;
}

/**
 * Decodes an untrusted upload to RGB: EXIF orientation applied, transparency flattened
 * onto white (as product shots are shown), downscaled once so the longest side is at
 * most `maxSide`. libvips reads the declared size from the header first, so a pixel
 * bomb is refused before anything is allocated for it.
 */
export async function decodeImage(buf: Uint8Array, options: DecodeOptions = {}): Promise<DecodedImage> {
  const maxPixels = options.maxPixels ?? DEFAULT_MAX_PIXELS;
  const maxSide = options.maxSide ?? DEFAULT_MAX_SIDE;
  if (buf.length === 0) throw new ImageRejectedError('image_empty', 'the image is empty');
  const format = sniffImageFormat(buf);
  if (format === null) {
    throw new ImageRejectedError(
      'image_unsupported_format',
      'only JPEG, PNG, WebP and AVIF images are accepted',
    );
  }
  try {
    const { data, info } = await sharp(buf, { limitInputPixels: maxPixels, failOn: 'warning', pages: 1 })
      .rotate()
      .resize({ width: maxSide, height: maxSide, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) {
      throw new ImageRejectedError('image_corrupt', `decoded to ${info.channels} channels, expected 3`);
    }
    return {
      width: info.width,
      height: info.height,
      data: new Uint8Array(data.buffer, data.byteOffset, data.length),
    };
  } catch (error) {
    if (error instanceof ImageRejectedError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (message.includes('pixel limit')) {
      throw new ImageRejectedError('image_too_large', `the image has more than ${maxPixels} pixels`, {
        cause: error,
      });
    }
    throw new ImageRejectedError('image_corrupt', `the ${format} image could not be decoded`, {
      cause: error,
    });
  }
}
