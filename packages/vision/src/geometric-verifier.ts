import { createRequire } from 'node:module';
import type { DecodedImage } from './embedder.ts';
import { type SimilarityRansacOptions, similarityInliers } from './similarity-ransac.ts';

/**
 * Verifies a few global-descriptor candidates by how many local features of the query
 * agree on one placement of the candidate: printed packaging (logos, text) gives tens
 * of consistent matches on the right product and a handful on the wrong one. ORB
 * keypoints come from OpenCV's WebAssembly build, loaded once (~0.3-0.7 s); hashed
 * matching and RANSAC are plain JS (~0.3 ms a candidate). Catalog photos are described
 * with `catalogFeatures`, shopper photos with `features`: the two are not symmetric.
 */
export interface LocalFeatures {
  /** x, y pairs in the pixels of the detection frame (the image rescaled to a fixed long side) */
  points: Float32Array;
  /** 32 bytes of ORB descriptor per point */
  descriptors: Uint8Array;
}

export interface GeometricVerifier {
  /** A shopper photo's keypoints: few, on a frame of at most `querySide`, as every search pays for them. */
  features(image: DecodedImage): LocalFeatures;
  /** A catalog photo's keypoints: more of them, on a larger frame (small shots are upscaled), paid once at index time. */
  catalogFeatures(image: DecodedImage): LocalFeatures;
  /** Number of matches consistent with the best similarity transform (0 when fewer than 3). */
  inliers(query: LocalFeatures, candidate: LocalFeatures): number;
}

/**
 * Defaults chosen on the grocery bench's dev half for ≤ ~10 ms of ORB per query: more
 * query keypoints or pyramid levels cost time without raising recall, 600 catalog
 * keypoints (~21 KB encoded) matched as well as 1000.
 */
export interface GeometricVerifierOptions {
  /** keypoints kept on a query (default 300) */
  queryFeatures?: number;
  /** long side a larger query is downscaled to before detection, smaller ones stay as they are (default 384) */
  querySide?: number;
  /** ORB pyramid levels on the query; the catalog side's 8 levels cover the rest of the scale range (default 3) */
  queryLevels?: number;
  /** FAST corner threshold on the query: higher finds fewer, stronger corners, faster (default 30) */
  queryFastThreshold?: number;
  /** keypoints kept on a catalog photo (default 600) */
  catalogFeatures?: number;
  /** long side a catalog photo is rescaled to, up or down, before detection (default 400) */
  catalogSide?: number;
  /** Lowe's ratio between the best and second-best Hamming distance among the hashed candidates (default 0.8) */
  ratio?: number;
  /** Hamming distance (of 256 bits) above which a nearest neighbour is no match (default 64) */
  maxDistance?: number;
  /** RANSAC inlier distance in the catalog frame's pixels (default 6) */
  reprojectionError?: number;
}

const DESCRIPTOR_BYTES = 32;
const DESCRIPTOR_WORDS = DESCRIPTOR_BYTES / 4;

// The few OpenCV.js members this module uses, typed narrowly: the package's own
// typings describe the C++ API rather than the embind objects it exposes at run time.
interface CvMat {
  data: Uint8Array;
  delete(): void;
}
interface CvVector<T> {
  size(): number;
  get(i: number): T;
  delete(): void;
}
interface CvKeyPoint {
  pt: { x: number; y: number };
}
interface CvOrb {
  detectAndCompute(image: CvMat, mask: CvMat, keypoints: CvVector<CvKeyPoint>, descriptors: CvMat): void;
  delete(): void;
}
interface OpenCv {
  CV_8UC1: number;
  Mat: new (rows?: number, cols?: number, type?: number) => CvMat;
  KeyPointVector: new () => CvVector<CvKeyPoint>;
  ORB: new (
    nfeatures: number,
    scaleFactor: number,
    nlevels: number,
    edgeThreshold: number,
    firstLevel: number,
    wtaK: number,
    scoreType: number,
    patchSize: number,
    fastThreshold: number,
  ) => CvOrb;
}

async function loadOpenCv(): Promise<{ cv: OpenCv }> {
  // required, not imported: the Emscripten module is a thenable, and `await import()`
  // (or returning it from an async function) would try to adopt it forever
  const module = createRequire(import.meta.url)('@techstark/opencv-js') as OpenCv & {
    onRuntimeInitialized?: () => void;
  };
  if (typeof module.Mat !== 'function') {
    await new Promise<void>((resolve) => {
      module.onRuntimeInitialized = resolve;
    });
  }
  return { cv: module };
}

function popcount32(v: number): number {
  let x = v - ((v >>> 1) & 0x55555555);
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  return Math.imul((x + (x >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24;
}

function words(bytes: Uint8Array): Uint32Array {
  return bytes.byteOffset % 4 === 0
    ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)
    : new Uint32Array(bytes.slice().buffer);
}

/**
 * Locality-sensitive hashing of the binary descriptors: each table keys a descriptor by
 * a fixed subset of its bits, so a near neighbour (few differing bits) shares a key in
 * some table while a random descriptor rarely does. Only colliding pairs are compared,
 * ~1-2% of the brute-force pairs, for the same matches on the grocery bench. The bit
 * subsets are a fixed seeded shuffle, so stored features never depend on them.
 */
const HASH_TABLES = 8;
const HASH_BITS = 10;
const HASH_KEYS: readonly number[][] = (() => {
  const bits = Array.from({ length: DESCRIPTOR_BYTES * 8 }, (_, i) => i);
  let seed = 12345;
  for (let i = bits.length - 1; i > 0; i--) {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    const j = Math.floor(((seed >>> 0) / 0x100000000) * (i + 1));
    [bits[i], bits[j]] = [bits[j]!, bits[i]!];
  }
  return Array.from({ length: HASH_TABLES }, (_, t) => bits.slice(t * HASH_BITS, (t + 1) * HASH_BITS));
})();

function hashKey(descriptors: Uint8Array, offset: number, bits: readonly number[]): number {
  let key = 0;
  for (const bit of bits) key = (key << 1) | ((descriptors[offset + (bit >> 3)]! >> (bit & 7)) & 1);
  return key;
}

/** The query's descriptors bucketed once per query, as linked lists per table. */
interface QueryIndex {
  words: Uint32Array;
  heads: Int32Array[];
  next: Int32Array[];
}

function indexQuery(query: LocalFeatures): QueryIndex {
  const n = query.descriptors.length / DESCRIPTOR_BYTES;
  const heads: Int32Array[] = [];
  const next: Int32Array[] = [];
  for (const bits of HASH_KEYS) {
    const head = new Int32Array(1 << HASH_BITS).fill(-1);
    const link = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const key = hashKey(query.descriptors, i * DESCRIPTOR_BYTES, bits);
      link[i] = head[key]!;
      head[key] = i;
    }
    heads.push(head);
    next.push(link);
  }
  return { words: words(query.descriptors), heads, next };
}

/**
 * Hashed nearest neighbours of the query's descriptors among the candidate's, with
 * Lowe's ratio test and one query point per candidate point (the closest), as flat
 * [queryIndex, candidateIndex, …] pairs.
 */
function hashedMatches(
  query: LocalFeatures,
  index: QueryIndex,
  candidate: LocalFeatures,
  ratio: number,
  maxDistance: number,
): number[] {
  const nq = query.descriptors.length / DESCRIPTOR_BYTES;
  const nc = candidate.descriptors.length / DESCRIPTOR_BYTES;
  const cw = words(candidate.descriptors);
  const qw = index.words;
  const best = new Int32Array(nq).fill(257);
  const second = new Int32Array(nq).fill(257);
  const bestIndex = new Int32Array(nq).fill(-1);
  const seenBy = new Int32Array(nq).fill(-1);
  for (let j = 0; j < nc; j++) {
    const co = j * DESCRIPTOR_WORDS;
    for (let t = 0; t < HASH_TABLES; t++) {
      const key = hashKey(candidate.descriptors, j * DESCRIPTOR_BYTES, HASH_KEYS[t]!);
      for (let i = index.heads[t]![key]!; i >= 0; i = index.next[t]![i]!) {
        if (seenBy[i] === j) continue;
        seenBy[i] = j;
        const qo = i * DESCRIPTOR_WORDS;
        let d = 0;
        for (let w = 0; w < DESCRIPTOR_WORDS; w++) d += popcount32(qw[qo + w]! ^ cw[co + w]!);
        if (d < best[i]!) {
          second[i] = best[i]!;
          best[i] = d;
          bestIndex[i] = j;
        } else if (d < second[i]!) {
          second[i] = d;
        }
      }
    }
  }
  const owner = new Map<number, number>();
  for (let i = 0; i < nq; i++) {
    const j = bestIndex[i]!;
    if (j < 0 || best[i]! > maxDistance || best[i]! >= ratio * second[i]!) continue;
    const previous = owner.get(j);
    if (previous === undefined || best[i]! < best[previous]!) owner.set(j, i);
  }
  const pairs: number[] = [];
  for (const [j, i] of owner) pairs.push(i, j);
  return pairs;
}

/** Luma plane of the image resampled to `side` pixels on the long side: area average down, bilinear up. */
function greyPlane(image: DecodedImage, side: number): { width: number; height: number; grey: Uint8Array } {
  const { data } = image;
  const luma = new Uint8Array(image.width * image.height);
  for (let i = 0, p = 0; i < luma.length; i++, p += 3) {
    luma[i] = (data[p]! * 77 + data[p + 1]! * 150 + data[p + 2]! * 29) >> 8;
  }
  const scale = side / Math.max(image.width, image.height);
  if (Math.abs(scale - 1) < 0.05 || image.width < 2 || image.height < 2)
    return { width: image.width, height: image.height, grey: luma };
  const width = Math.max(1, Math.round(image.width * scale));
  const height = Math.max(1, Math.round(image.height * scale));
  const grey = new Uint8Array(width * height);
  if (scale < 1) {
    const sums = new Uint32Array(width * height);
    const counts = new Uint32Array(width * height);
    const column = new Int32Array(image.width);
    for (let x = 0; x < image.width; x++) column[x] = Math.min(width - 1, Math.floor(x * scale));
    for (let y = 0; y < image.height; y++) {
      const row = Math.min(height - 1, Math.floor(y * scale)) * width;
      const from = y * image.width;
      for (let x = 0; x < image.width; x++) {
        sums[row + column[x]!]! += luma[from + x]!;
        counts[row + column[x]!]! += 1;
      }
    }
    for (let i = 0; i < grey.length; i++) grey[i] = Math.round(sums[i]! / (counts[i]! || 1));
    return { width, height, grey };
  }
  const x0s = new Int32Array(width);
  const fxs = new Float32Array(width);
  for (let x = 0; x < width; x++) {
    const sx = Math.min(image.width - 1, Math.max(0, (x + 0.5) / scale - 0.5));
    x0s[x] = Math.min(image.width - 2, Math.floor(sx));
    fxs[x] = sx - x0s[x]!;
  }
  for (let y = 0; y < height; y++) {
    const sy = Math.min(image.height - 1, Math.max(0, (y + 0.5) / scale - 0.5));
    const y0 = Math.min(image.height - 2, Math.floor(sy));
    const fy = sy - y0;
    const top = y0 * image.width;
    const bottom = top + image.width;
    for (let x = 0; x < width; x++) {
      const i = x0s[x]!;
      const fx = fxs[x]!;
      const upper = luma[top + i]! + (luma[top + i + 1]! - luma[top + i]!) * fx;
      const lower = luma[bottom + i]! + (luma[bottom + i + 1]! - luma[bottom + i]!) * fx;
      grey[y * width + x] = Math.round(upper + (lower - upper) * fy);
    }
  }
  return { width, height, grey };
}

const ORB_SCALE_FACTOR = 1.2;
const ORB_EDGE = 31;
const ORB_HARRIS_SCORE = 0;

export async function createGeometricVerifier(
  options: GeometricVerifierOptions = {},
): Promise<GeometricVerifier> {
  const { cv } = await loadOpenCv();
  const ratio = options.ratio ?? 0.8;
  const maxDistance = options.maxDistance ?? 64;
  const querySide = options.querySide ?? 384;
  const catalogSide = options.catalogSide ?? 400;
  const ransac: SimilarityRansacOptions = {
    iterations: 300,
    threshold: options.reprojectionError ?? 6,
    minScale: 0.1,
    maxScale: 10,
  };
  const orb = (features: number, levels: number, fastThreshold: number): CvOrb =>
    new cv.ORB(features, ORB_SCALE_FACTOR, levels, ORB_EDGE, 0, 2, ORB_HARRIS_SCORE, ORB_EDGE, fastThreshold);
  const queryOrb = orb(
    options.queryFeatures ?? 300,
    options.queryLevels ?? 3,
    options.queryFastThreshold ?? 30,
  );
  const catalogOrb = orb(options.catalogFeatures ?? 600, 8, 20);
  const empty = new cv.Mat();
  const indexes = new WeakMap<LocalFeatures, QueryIndex>();

  function detect(detector: CvOrb, image: DecodedImage, side: number): LocalFeatures {
    const { width, height, grey } = greyPlane(image, side);
    const frame = new cv.Mat(height, width, cv.CV_8UC1);
    const keypoints = new cv.KeyPointVector();
    const descriptors = new cv.Mat();
    try {
      frame.data.set(grey);
      detector.detectAndCompute(frame, empty, keypoints, descriptors);
      const n = keypoints.size();
      const points = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const { pt } = keypoints.get(i);
        points[i * 2] = pt.x;
        points[i * 2 + 1] = pt.y;
      }
      return { points, descriptors: n > 0 ? Uint8Array.from(descriptors.data) : new Uint8Array(0) };
    } finally {
      frame.delete();
      keypoints.delete();
      descriptors.delete();
    }
  }

  function inliers(query: LocalFeatures, candidate: LocalFeatures): number {
    let index = indexes.get(query);
    if (!index) {
      index = indexQuery(query);
      indexes.set(query, index);
    }
    const matches = hashedMatches(query, index, candidate, ratio, maxDistance);
    const n = matches.length / 2;
    const from = new Float32Array(n * 2);
    const to = new Float32Array(n * 2);
    for (let m = 0; m < n; m++) {
      const q = matches[m * 2]!;
      const c = matches[m * 2 + 1]!;
      from[m * 2] = query.points[q * 2]!;
      from[m * 2 + 1] = query.points[q * 2 + 1]!;
      to[m * 2] = candidate.points[c * 2]!;
      to[m * 2 + 1] = candidate.points[c * 2 + 1]!;
    }
    return similarityInliers(from, to, ransac);
  }

  return {
    features: (image) => detect(queryOrb, image, Math.min(querySide, Math.max(image.width, image.height))),
    catalogFeatures: (image) => detect(catalogOrb, image, catalogSide),
    inliers,
  };
}
