// Catalog image inspection throughput: a local "CDN" (in a worker thread, so serving does
// not steal the inspector's event loop) serves distinct ~30 KB JPEGs, and the inspector
// checks them at IMAGE_FETCH_CONCURRENCY's default, first downloading every image, then
// revalidating them all with their ETags as the next sync would. Prints one JSON object.
//   pnpm --filter @nlyzer/sync-worker exec node bench/image-inspection.ts [images] [concurrency]
import { availableParallelism } from 'node:os';
import { isMainThread, parentPort, Worker } from 'node:worker_threads';
import sharp from 'sharp';
import {
  createCatalogImageInspector,
  type ImageInspection,
  type ImageToInspect,
} from '../src/features/catalog-images/catalog-image-inspector.ts';
import { sendImage, startImageTestServer } from '../src/features/catalog-images/image-test-server.ts';

const DISTINCT_RENDERS = 16;
/** The same as the inspector would see in one sync page of a catalog with several images per product. */
const PAGE_SIZE = 250;

if (isMainThread) await measure();
else await serve();

/** Serves /<n>.jpg: one of a few noise renders made unique by a JPEG comment naming n, with an ETag. */
async function serve(): Promise<void> {
  const renders = await Promise.all(
    Array.from({ length: DISTINCT_RENDERS }, (_, seed) =>
      sharp({
        create: {
          width: 280,
          height: 280,
          channels: 3,
          background: '#000',
          noise: { type: 'gaussian', mean: 100 + seed, sigma: 40 },
        },
      })
        .jpeg({ quality: 80 })
        .toBuffer(),
    ),
  );
  const server = await startImageTestServer((req, res) => {
    const n = Number(req.url?.match(/^\/(\d+)\.jpg$/)?.[1] ?? Number.NaN);
    if (Number.isNaN(n)) return res.writeHead(404).end();
    const etag = `"${n}"`;
    if (req.headers['if-none-match'] === etag) return res.writeHead(304, { etag }).end();
    sendImage(res, withComment(renders[n % DISTINCT_RENDERS]!, `image ${n}`), {
      'content-type': 'image/jpeg',
      etag,
    });
  });
  parentPort!.postMessage({ port: server.port });
}

/** The JPEG with a COM segment right after SOI: the same picture, different bytes. */
function withComment(jpeg: Buffer, comment: string): Buffer {
  const text = Buffer.from(comment, 'latin1');
  const segment = Buffer.alloc(4);
  segment.writeUInt16BE(0xfffe, 0);
  segment.writeUInt16BE(text.length + 2, 2);
  return Buffer.concat([jpeg.subarray(0, 2), segment, text, jpeg.subarray(2)]);
}

async function measure(): Promise<void> {
  const count = Number(process.argv[2] ?? 2_000);
  const concurrency = Number(process.argv[3] ?? 16);
  const cdn = new Worker(new URL(import.meta.url));
  const port = await new Promise<number>((resolve) =>
    cdn.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const inspector = createCatalogImageInspector({ concurrency, allowPrivateNetworks: true });
  const urls = Array.from({ length: count }, (_, n) => `http://127.0.0.1:${port}/${n}.jpg`);

  // One warm-up page so connection set-up and sharp's first load are not in the numbers.
  await inspector.inspect(urls.slice(0, 32).map((url) => ({ url, known: null })));

  const oneCall = await round('download, one call', () =>
    inspector.inspect(urls.map((url) => ({ url, known: null }))),
  );
  const paged = await round('download, pages of 250', () =>
    inspectInPages(urls.map((url) => ({ url, known: null }))),
  );
  const known = oneCall.results.map((r, n): ImageToInspect => {
    if (!r.ok) throw new Error(`image ${n} failed: ${r.error}`);
    const { sha256, width, height, bytes, contentType, etag, lastModified } = r;
    return { url: r.url, known: { sha256, width, height, bytes, contentType, etag, lastModified } };
  });
  const revalidated = await round('revalidate (304), one call', () => inspector.inspect(known));

  await inspector.close();
  await cdn.terminate();
  const totalBytes = oneCall.results.reduce((sum, r) => sum + (r.ok ? r.bytes : 0), 0);
  console.log(
    JSON.stringify({
      bench: 'catalog-image-inspection',
      images: count,
      concurrency,
      cores: availableParallelism(),
      node: process.version,
      avg_image_kb: Math.round(totalBytes / count / 1024),
      rounds: [oneCall, paged, revalidated].map(({ results, ...summary }) => summary),
      max_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    }),
  );

  async function inspectInPages(images: ImageToInspect[]): Promise<ImageInspection[]> {
    const results: ImageInspection[] = [];
    for (let from = 0; from < images.length; from += PAGE_SIZE) {
      results.push(...(await inspector.inspect(images.slice(from, from + PAGE_SIZE))));
    }
    return results;
  }

  async function round(name: string, run: () => Promise<ImageInspection[]>) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    const results = await run();
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    const ok = results.filter((r) => r.ok);
    const bytes = ok.reduce((sum, r) => sum + (r.notModified ? 0 : r.bytes), 0);
    return {
      name,
      results,
      seconds: round2(seconds),
      images_per_s: Math.round(results.length / seconds),
      downloaded_mb_per_s: round2(bytes / 1024 / 1024 / seconds),
      ok: ok.length,
      not_modified: ok.filter((r) => r.notModified).length,
      failed: results.length - ok.length,
      process_cpu_s: round2((used.user + used.system) / 1e6),
    };
  }
}

function round2(value: number): number {
  return Number(value.toFixed(2));
}
