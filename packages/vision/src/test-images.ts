import sharp, { type Sharp } from 'sharp';
import { decodeImage } from './decode-image.ts';
import type { DecodedImage } from './embedder.ts';

/** Synthetic product shots for the tests, rendered from SVG so no fixture files are needed. */

function seeded(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000;
  };
}

/** A carton-like product on a plain background, covered in seeded blocks that give corners and texture. */
export function productSvg(options: {
  seed: number;
  body: string;
  accent: string;
  background: string;
  size?: number;
}): string {
  const size = options.size ?? 320;
  const random = seeded(options.seed);
  const marks: string[] = [];
  for (let i = 0; i < 40; i++) {
    const x = 90 + random() * 120;
    const y = 50 + random() * 200;
    const w = 6 + random() * 24;
    const h = 6 + random() * 24;
    marks.push(
      `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${w.toFixed(1)}" height="${h.toFixed(1)}" fill="${i % 2 ? options.accent : '#ffffff'}"/>`,
    );
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 320 320">
    <rect width="320" height="320" fill="${options.background}"/>
    <rect x="80" y="40" width="160" height="240" rx="8" fill="${options.body}"/>
    ${marks.join('')}
  </svg>`;
}

export async function render(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

export async function decodeSvg(svg: string): Promise<DecodedImage> {
  return decodeImage(await render(svg));
}

export async function decodeSharp(pipeline: Sharp): Promise<DecodedImage> {
  return decodeImage(await pipeline.png().toBuffer());
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
