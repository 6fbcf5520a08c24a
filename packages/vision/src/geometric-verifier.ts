import { createRequire } from 'node:module';
import type { DecodedImage } from './embedder.ts';
import { type SimilarityRansacOptions, similarityInliers } from './similarity-ransac.ts';

/**
 * Re-ranks a few global-descriptor candidates by how many local features of the query
 * agree on one placement of the candidate: printed packaging (logos, text) gives tens
 * of consistent matches on the right product and a handful on the wrong one. ORB
 * keypoints come from OpenCV's WebAssembly build, loaded once (~0.3-0.7 s); matching
 * and RANSAC are plain JS, cheaper here than crossing into WebAssembly.
 */
export interface LocalFeatures {
  /** x, y pairs in the decoded image's pixels */
  points: Float32Array;
  /** 32 bytes of ORB descriptor per point */
  descriptors: Uint8Array;
}

export interface GeometricVerifier {
  features(image: DecodedImage): LocalFeatures;
  /** Number of ratio-test matches consistent with the best similarity transform (0 when fewer than 3). */
  inliers(query: LocalFeatures, candidate: LocalFeatures): number;
}

export interface GeometricVerifierOptions {
  maxFeatures?: number;
  /** Lowe's ratio between the best and second-best Hamming distance. */
  ratio?: number;
  /** RANSAC inlier distance in the candidate image's pixels. */
  reprojectionError?: number;
}

const DESCRIPTOR_BYTES = 32;

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
interface OpenCv {
  CV_8UC1: number;
  Mat: new (rows?: number, cols?: number, type?: number) => CvMat;
  KeyPointVector: new () => CvVector<CvKeyPoint>;
  ORB: new (
    nfeatures: number,
  ) => {
    detectAndCompute(image: CvMat, mask: CvMat, keypoints: CvVector<CvKeyPoint>, descriptors: CvMat): void;
    delete(): void;
  };
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

const DESCRIPTOR_WORDS = DESCRIPTOR_BYTES / 4;

/**
 * Brute-force Hamming nearest neighbours with Lowe's ratio test, as flat
 * [queryIndex, candidateIndex, …] pairs. Plain JS on 32-bit words: for a few hundred
 * points it is cheaper than copying descriptors into the WebAssembly heap and back.
 */
export function ratioTestMatches(query: LocalFeatures, candidate: LocalFeatures, ratio: number): number[] {
  const qd = words(query.descriptors);
  const cd = words(candidate.descriptors);
  const nq = qd.length / DESCRIPTOR_WORDS;
  const nc = cd.length / DESCRIPTOR_WORDS;
  const pairs: number[] = [];
  for (let i = 0; i < nq; i++) {
    const qo = i * DESCRIPTOR_WORDS;
    let best = 257;
    let second = 257;
    let bestIndex = -1;
    for (let j = 0; j < nc; j++) {
      const co = j * DESCRIPTOR_WORDS;
      let d = 0;
      for (let w = 0; w < DESCRIPTOR_WORDS; w++) d += popcount32(qd[qo + w]! ^ cd[co + w]!);
      if (d < best) {
        second = best;
        best = d;
        bestIndex = j;
      } else if (d < second) {
        second = d;
      }
    }
    if (bestIndex >= 0 && best < ratio * second) pairs.push(i, bestIndex);
  }
  return pairs;
}

function toGrey(image: DecodedImage): Uint8Array {
  const grey = new Uint8Array(image.width * image.height);
  const { data } = image;
  for (let i = 0, p = 0; i < grey.length; i++, p += 3) {
    grey[i] = (data[p]! * 77 + data[p + 1]! * 150 + data[p + 2]! * 29) >> 8;
  }
  return grey;
}

export async function createGeometricVerifier(
  options: GeometricVerifierOptions = {},
): Promise<GeometricVerifier> {
  const { cv } = await loadOpenCv();
  const maxFeatures = options.maxFeatures ?? 500;
  const ratio = options.ratio ?? 0.8;
  const ransac: SimilarityRansacOptions = {
    iterations: 300,
    threshold: options.reprojectionError ?? 6,
    minScale: 0.25,
    maxScale: 8,
  };
  const orb = new cv.ORB(maxFeatures);
  const empty = new cv.Mat();

  function features(image: DecodedImage): LocalFeatures {
    const grey = new cv.Mat(image.height, image.width, cv.CV_8UC1);
    const keypoints = new cv.KeyPointVector();
    const descriptors = new cv.Mat();
    try {
      grey.data.set(toGrey(image));
      orb.detectAndCompute(grey, empty, keypoints, descriptors);
      const n = keypoints.size();
      const points = new Float32Array(n * 2);
      for (let i = 0; i < n; i++) {
        const { pt } = keypoints.get(i);
        points[i * 2] = pt.x;
        points[i * 2 + 1] = pt.y;
      }
      return { points, descriptors: n > 0 ? Uint8Array.from(descriptors.data) : new Uint8Array(0) };
    } finally {
      grey.delete();
      keypoints.delete();
      descriptors.delete();
    }
  }

  function inliers(query: LocalFeatures, candidate: LocalFeatures): number {
    const matches = ratioTestMatches(query, candidate, ratio);
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

  return { features, inliers };
}
