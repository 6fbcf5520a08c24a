import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createRerankQuery,
  matchProbability,
  type RerankCandidate,
  type RerankQuery,
  rerankCandidates,
} from './candidate-rerank.ts';
import { createDescriptorEmbedder } from './descriptor-embedder.ts';
import type { DecodedImage } from './embedder.ts';
import { createGeometricVerifier, type GeometricVerifier } from './geometric-verifier.ts';
import { catalogViews } from './shopper-views.ts';
import { decodeSharp, productSvg, render } from './test-images.ts';

const embedder = createDescriptorEmbedder();
const products = [
  { seed: 3, body: '#6a1b9a', accent: '#000000' },
  { seed: 11, body: '#6a1b9a', accent: '#000000' },
  { seed: 21, body: '#c62828', accent: '#fdd835' },
];

let verifier: GeometricVerifier;
let catalog: RerankCandidate<string>[];
let query: RerankQuery;

async function index(id: string, image: DecodedImage): Promise<RerankCandidate<string>> {
  const vectors = await Promise.all(catalogViews(image).map((view) => embedder.embed(view)));
  return { id, vectors, features: verifier.catalogFeatures(image) };
}

beforeAll(async () => {
  verifier = await createGeometricVerifier();
  const pngs = await Promise.all(
    products.map((p) => render(productSvg({ ...p, background: '#ffffff', size: 480 }))),
  );
  catalog = await Promise.all(
    pngs.map(async (png, i) => index(`product-${i}`, await decodeSharp(sharp(png)))),
  );
  // a shopper's photo of product 0: smaller, off-centre, on a grey shelf
  const photo = await decodeSharp(
    sharp(await sharp(pngs[0]).resize(300).toBuffer()).extend({ left: 60, top: 20, background: '#808080' }),
  );
  query = createRerankQuery(photo, await embedder.embed(photo), verifier);
}, 30_000);

describe('candidate re-rank', () => {
  it('puts the photographed product first with a score in 0..1, best first', () => {
    const reranked = rerankCandidates(query, [...catalog].reverse(), { verifier });
    expect(reranked.map((r) => r.id)[0]).toBe('product-0');
    expect(reranked[0]!.inliers).toBeGreaterThanOrEqual(20);
    for (const r of reranked) {
      expect(r.score).toBeGreaterThan(0);
      expect(r.score).toBeLessThan(1);
    }
    const scores = reranked.map((r) => r.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('scores a candidate on its own evidence, whatever else is in the list', () => {
    const alone = rerankCandidates(query, [catalog[0]!], { verifier })[0]!;
    const among = rerankCandidates(query, catalog, { verifier }).find((r) => r.id === 'product-0')!;
    expect(alone.score).toBe(among.score);
  });

  it('lets geometric agreement raise the score, and works without local features', () => {
    const withGeometry = rerankCandidates(query, [catalog[0]!], { verifier })[0]!;
    const without = rerankCandidates({ ...query, features: null }, [catalog[0]!], { verifier })[0]!;
    expect(without.inliers).toBe(0);
    expect(withGeometry.score).toBeGreaterThan(without.score);
    expect(without.similarity).toBe(withGeometry.similarity);
  });

  it('falls back to the full cosine for vectors of another embedder', () => {
    const vector = new Float32Array(16).fill(0.25);
    const reranked = rerankCandidates(
      { vector, appearance: null, features: null },
      [{ id: 'x', vectors: [new Float32Array(16).fill(0.25)], features: null }],
      { verifier },
    );
    expect(reranked[0]!.appearance).toBeCloseTo(1, 5);
    expect(reranked[0]!.similarity).toBeCloseTo(1, 5);
  });

  it('compares the middle of the photo, where the product is held, rather than the whole shelf', () => {
    expect(query.appearance).not.toBeNull();
    expect(query.appearance!.length).toBeLessThan(query.vector.length);
    const middle = rerankCandidates(query, [catalog[0]!], { verifier })[0]!;
    const whole = rerankCandidates({ ...query, appearance: null }, [catalog[0]!], { verifier })[0]!;
    expect(middle.similarity).toBe(whole.similarity);
    expect(middle.appearance).not.toBe(whole.appearance);
    expect(
      createRerankQuery({ width: 8, height: 8, data: new Uint8Array(192) }, query.vector, null).features,
    ).toBeNull();
  });

  it('is monotone in every piece of evidence', () => {
    const base = { similarity: 0.6, appearance: 0.7, inliers: 10 };
    const p = matchProbability(base);
    expect(matchProbability({ ...base, similarity: 0.7 })).toBeGreaterThan(p);
    expect(matchProbability({ ...base, appearance: 0.8 })).toBeGreaterThan(p);
    expect(matchProbability({ ...base, inliers: 40 })).toBeGreaterThan(p);
  });
});
