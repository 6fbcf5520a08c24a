/** Interleaved 8-bit sRGB pixels, EXIF orientation already applied. */
export interface DecodedImage {
  width: number;
  height: number;
  /** length = width * height * 3 */
  data: Uint8Array;
}

export interface ImageEmbedder {
  /** Stable name of the method; vectors from different ids are never compared. */
  id: string;
  /** Bumped whenever the vectors change, so stored vectors can be re-embedded. */
  version: string;
  dims: number;
  /** An L2-normalised vector of length `dims`. */
  embed(image: DecodedImage): Promise<Float32Array>;
}
