/**
 * The search pipeline as the search service runs it, on the bench's photos: index every
 * catalog photo (views → vectors, local features), then per query embed, rank products
 * by their best view, re-rank the top candidates. Shared by the quality bench and the
 * script that fits the re-rank model.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRerankQuery, type RerankModel, rerankCandidates } from '../src/candidate-rerank.ts';
import { decodeImage } from '../src/decode-image.ts';
import type { DecodedImage } from '../src/embedder.ts';
import type { GeometricVerifier, LocalFeatures } from '../src/geometric-verifier.ts';
import { encodeLocalFeatures } from '../src/local-features-codec.ts';
import { catalogViews, type ShopperViewOptions } from '../src/shopper-views.ts';
import { dot } from './retrieval-metrics.ts';

export interface Photo {
  label: string;
  coarse: string;
  /** Fruit, Packages, Vegetables for grocery; the category for garments */
  group: string;
  path: string;
  image: DecodedImage;
  /** grocery queries: odd-numbered photos are the dev half, even ones are held out */
  dev: boolean;
}

export interface Datasets {
  catalog: Photo[];
  queries: Photo[];
  garments: Photo[];
  decodeMsPerImage: number;
}

/** CPU milliseconds (user + system) spent in `fn`: wall time is meaningless on a shared machine. */
export function cpuMs<T>(fn: () => T): [T, number] {
  const start = process.cpuUsage();
  const result = fn();
  const used = process.cpuUsage(start);
  return [result, (used.user + used.system) / 1000];
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? 0 : sorted[Math.floor(sorted.length / 2)]!;
}

export async function loadDatasets(dir: string, log: (line: string) => void): Promise<Datasets> {
  const grocery = join(dir, 'grocery-store');
  const clothing = join(dir, 'clothing-small', 'test');
  let decodeMs = 0;
  let decoded = 0;
  const load = async (path: string): Promise<DecodedImage> => {
    const bytes = readFileSync(path);
    const start = process.cpuUsage();
    const image = await decodeImage(bytes);
    const used = process.cpuUsage(start);
    decodeMs += (used.user + used.system) / 1000;
    decoded++;
    return image;
  };
  const catalog: Photo[] = [];
  const classes = readFileSync(join(grocery, 'classes.csv'), 'utf8').trim().split('\n').slice(1);
  for (const [, id, , coarse, iconic] of classes.map((line) => line.split(','))) {
    catalog.push({
      label: id!,
      coarse: coarse!,
      group: iconic!.split('/')[2]!,
      path: join(grocery, iconic!),
      image: await load(join(grocery, iconic!)),
      dev: false,
    });
  }
  const queries: Photo[] = [];
  for (const line of readFileSync(join(grocery, 'val.txt'), 'utf8').trim().split('\n')) {
    const [path, fine, coarse] = line.split(',').map((s) => s.trim());
    const number = Number(/_(\d+)\.jpg$/.exec(path!)?.[1] ?? 0);
    queries.push({
      label: fine!,
      coarse: coarse!,
      group: path!.split('/')[1]!,
      path: join(grocery, path!),
      image: await load(join(grocery, path!)),
      dev: number % 2 === 1,
    });
  }
  const garments: Photo[] = [];
  for (const category of readdirSync(clothing).sort()) {
    for (const file of readdirSync(join(clothing, category)).sort()) {
      garments.push({
        label: category,
        coarse: category,
        group: category,
        path: join(clothing, category, file),
        image: await load(join(clothing, category, file)),
        dev: false,
      });
    }
  }
  const decodeMsPerImage = decodeMs / decoded;
  log(`decoded ${decoded} photos, ${decodeMsPerImage.toFixed(2)} CPU ms each`);
  return { catalog, queries, garments, decodeMsPerImage };
}

export type Embed = (image: DecodedImage) => Float32Array;

export interface PipelineConfig {
  embed: Embed;
  /** catalog views beside the original; null indexes the original only */
  views: ShopperViewOptions | null;
  /** re-rank of the global top candidates; null keeps the global order */
  rerank: {
    depth: number;
    model: RerankModel;
    geometry: boolean;
    /** compare the whole photo's colour and texture instead of its middle's */
    wholePhoto?: boolean;
  } | null;
}

export interface IndexedProduct {
  vectors: Float32Array[];
  features: LocalFeatures | null;
}

export interface Index {
  products: IndexedProduct[];
  /** CPU ms per catalog photo: views, their vectors, local features */
  msPerImage: number;
  featureBytes: number[];
}

export function buildIndex(
  photos: Photo[],
  config: PipelineConfig,
  verifier: GeometricVerifier,
  log: (line: string) => void,
): Index {
  const times: number[] = [];
  const featureBytes: number[] = [];
  const products = photos.map((photo, n) => {
    const [product, ms] = cpuMs(() => ({
      vectors: (config.views ? catalogViews(photo.image, config.views) : [photo.image]).map(config.embed),
      features: config.rerank?.geometry ? verifier.catalogFeatures(photo.image) : null,
    }));
    times.push(ms);
    if (product.features) featureBytes.push(encodeLocalFeatures(product.features).length);
    if ((n + 1) % 100 === 0) log(`  indexed ${n + 1}/${photos.length}`);
    return product;
  });
  return { products, msPerImage: median(times), featureBytes };
}

export interface Candidate {
  index: number;
  score: number;
}

/** Products by their best view's cosine, best first. */
export function rankGlobal(vector: Float32Array, products: IndexedProduct[], exclude = -1): Candidate[] {
  const ranked: Candidate[] = [];
  products.forEach((product, index) => {
    if (index === exclude) return;
    let score = Number.NEGATIVE_INFINITY;
    for (const v of product.vectors) score = Math.max(score, dot(vector, v));
    ranked.push({ index, score });
  });
  return ranked.sort((a, b) => b.score - a.score);
}

export interface SearchResult {
  /** product indices, best first */
  order: number[];
  /** top candidate's score: the fused match probability when re-ranked, else the cosine */
  topScore: number;
  /** CPU ms: embed + local features + re-rank (the k-NN itself is the vector index's job) */
  queryMs: number;
}

export function search(
  image: DecodedImage,
  index: Index,
  config: PipelineConfig,
  verifier: GeometricVerifier,
  exclude = -1,
): SearchResult {
  const [vector, embedMs] = cpuMs(() => config.embed(image));
  const ranked = rankGlobal(vector, index.products, exclude);
  const { rerank } = config;
  if (!rerank)
    return { order: ranked.map((c) => c.index), topScore: ranked[0]?.score ?? 0, queryMs: embedMs };
  const [reranked, rerankMs] = cpuMs(() => {
    const query = createRerankQuery(image, vector, rerank.geometry ? verifier : null);
    if (rerank.wholePhoto) query.appearance = null;
    const top = ranked.slice(0, rerank.depth).map((c) => ({ id: c.index, ...index.products[c.index]! }));
    return rerankCandidates(query, top, { verifier, model: rerank.model });
  });
  const order = [...reranked.map((r) => r.id), ...ranked.slice(rerank.depth).map((c) => c.index)];
  return { order, topScore: reranked[0]?.score ?? 0, queryMs: embedMs + rerankMs };
}
