// Entry of an indexing worker thread: analyses products with the built-in descriptor
// embedder, off the main thread that serves searches.
import { parentPort } from 'node:worker_threads';
import { createDescriptorEmbedder, createGeometricVerifier } from '@nlyzer/vision';
import { analyzeProductImages } from './image-analysis.ts';
import type { AnalysisReply, AnalysisRequest } from './image-analyzer.ts';

const embedder = createDescriptorEmbedder();
// OpenCV's WebAssembly loads once per thread, on the first product.
const verifier = createGeometricVerifier();
const port = parentPort!;

port.on('message', async (request: AnalysisRequest) => {
  let reply: AnalysisReply;
  try {
    reply = {
      id: request.id,
      analysis: await analyzeProductImages(request.images, embedder, await verifier),
    };
  } catch (err) {
    reply = { id: request.id, error: err instanceof Error ? err.message : String(err) };
  }
  const buffers =
    reply.analysis?.images.flatMap((outcome) =>
      outcome.ok ? [...outcome.image.vectors, outcome.image.localFeatures].map((array) => array.buffer) : [],
    ) ?? [];
  // Each array owns its buffer (made by the analysis), so none is sent twice.
  port.postMessage(reply, [...new Set(buffers)] as ArrayBuffer[]);
});
