import sharp from 'sharp';

/** The formats search can index; anything else a catalog links to is not an image to us. */
export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'gif';

export const IMAGE_FORMAT_NAMES: Record<ImageFormat, string> = {
  jpeg: 'JPEG',
  png: 'PNG',
  webp: 'WebP',
  avif: 'AVIF',
  gif: 'GIF',
};

export const IMAGE_CONTENT_TYPES: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  gif: 'image/gif',
};

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const AVIF_BRANDS = new Set(['avif', 'avis']);

/**
 * The format the bytes really are, by their magic numbers, or null. The Content-Type a
 * server sends is not trusted: CDNs and shop themes serve HTML error pages as image/jpeg.
 */
export function sniffImageFormat(bytes: Buffer): ImageFormat | null {
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  if (bytes.subarray(0, 8).equals(PNG_SIGNATURE)) return 'png';
  const ascii = (from: number, to: number) => bytes.toString('latin1', from, to);
  if (bytes.length >= 6 && (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a')) return 'gif';
  if (bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  if (isAvif(bytes)) return 'avif';
  return null;
}

/**
 * An ISO-BMFF file whose `ftyp` box names an AVIF brand, as major or compatible brand.
 * HEIC shares the container but not the brands, and search cannot decode it.
 */
function isAvif(bytes: Buffer): boolean {
  if (bytes.length < 16 || bytes.toString('latin1', 4, 8) !== 'ftyp') return false;
  const boxEnd = Math.min(bytes.readUInt32BE(0), bytes.length);
  // The major brand sits at 8, the minor version at 12, compatible brands from 16 to the box's end.
  const brands = [bytes.toString('latin1', 8, 12)];
  for (let at = 16; at + 4 <= boxEnd; at += 4) brands.push(bytes.toString('latin1', at, at + 4));
  return brands.some((brand) => AVIF_BRANDS.has(brand));
}

export interface ImageSize {
  width: number;
  height: number;
}

/**
 * Width and height from the image's header, without decoding any pixel: a decompression
 * bomb claiming 60 000 × 60 000 pixels costs nothing to measure. No pixel limit is set
 * here so that the caller can say how large the image is when it refuses it. Null when
 * the header cannot be read (right magic numbers, garbage after them).
 */
export async function readImageSize(bytes: Buffer): Promise<ImageSize | null> {
  try {
    const { width, height } = await sharp(bytes, { limitInputPixels: false }).metadata();
    return { width, height };
  } catch {
    // sharp's reasons ("Input buffer has corrupt header") mean nothing to a merchant.
    return null;
  }
}
