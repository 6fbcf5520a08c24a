import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { createDescriptorEmbedder, type GeometricVerifier, type ImageEmbedder } from '@nlyzer/vision';
import { analyzeProductImages, type ProductAnalysis } from './image-analysis.ts';

export interface AnalysisRequest {
  id: number;
  images: Uint8Array[];
}

export interface AnalysisReply {
  id: number;
  analysis?: ProductAnalysis;
  error?: string;
}

/** Runs `analyzeProductImages` for the indexing worker, in worker threads when it can. */
export interface ImageAnalyzer {
  analyze(images: Uint8Array[], embedder: ImageEmbedder): Promise<ProductAnalysis>;
  close(): Promise<void>;
}

export interface ImageAnalyzerOptions {
  /** Worker threads; 0 keeps every analysis on the main thread. */
  threads: number;
  /** The main thread's keypoint detector (threads load their own). */
  verifier(): Promise<GeometricVerifier>;
}

/**
 * A thread per core: analysis is most of an indexed product's CPU, and the main thread's
 * share (queries, with PGlite the database itself) is small and mostly waits on them, so
 * leaving it a core of its own left that core idle most of the time.
 */
export function defaultAnalysisThreads(): number {
  return Math.max(1, availableParallelism());
}

const BUILT_IN = createDescriptorEmbedder();

/** Threads rebuild the embedder from its name, so only the built-in descriptor (unchanged) goes there. */
function runsInThreads(embedder: ImageEmbedder): boolean {
  return (
    embedder.id === BUILT_IN.id && embedder.version === BUILT_IN.version && embedder.dims === BUILT_IN.dims
  );
}

interface PendingTask {
  request: AnalysisRequest;
  resolve(analysis: ProductAnalysis): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  task: PendingTask | null;
}

/**
 * Decoding, StyleDNA, eight catalog views and keypoints are synchronous CPU work (well
 * over 100 ms for one 256 px photo): on the main thread they would hold up every search
 * while a catalog indexes. Threads take them off; other embedders (ONNX runs natively off
 * the thread already, OpenAI is a network call) and custom test embedders run on the main
 * thread, yielding between steps.
 */
export function createImageAnalyzer(options: ImageAnalyzerOptions): ImageAnalyzer {
  const slots: Slot[] = [];
  const waiting: PendingTask[] = [];
  let nextId = 1;
  let closed = false;

  function spawn(): Slot {
    const worker = new Worker(new URL('./analysis-thread.ts', import.meta.url));
    const slot: Slot = { worker, task: null };
    worker.on('message', (reply: AnalysisReply) => {
      const task = slot.task;
      slot.task = null;
      if (task !== null) {
        if (reply.analysis !== undefined) task.resolve(reply.analysis);
        else task.reject(new Error(`image analysis failed: ${reply.error}`));
      }
      dispatch();
    });
    const lost = (err: Error) => {
      slots.splice(slots.indexOf(slot), 1);
      slot.task?.reject(err);
      slot.task = null;
      if (!closed) dispatch();
    };
    worker.on('error', lost);
    worker.on('exit', (code) => {
      if (slots.includes(slot)) lost(new Error(`image analysis thread exited with code ${code}`));
    });
    worker.unref();
    slots.push(slot);
    return slot;
  }

  function dispatch(): void {
    while (waiting.length > 0) {
      const slot =
        slots.find((s) => s.task === null) ?? (slots.length < options.threads ? spawn() : undefined);
      if (slot === undefined) return;
      const task = waiting.shift()!;
      slot.task = task;
      slot.worker.postMessage(
        task.request,
        task.request.images.map((image) => image.buffer as ArrayBuffer),
      );
    }
  }

  return {
    analyze(images, embedder) {
      if (closed) return Promise.reject(new Error('the image analyzer is closed'));
      if (options.threads === 0 || !runsInThreads(embedder)) {
        return options.verifier().then((verifier) => analyzeProductImages(images, embedder, verifier, true));
      }
      // Copies (a few µs for a catalog photo) moved to the thread: the caller's buffers stay
      // usable, and Node's pooled or native-backed buffers cannot be transferred at all.
      const request = { id: nextId++, images: images.map((image) => new Uint8Array(image)) };
      return new Promise<ProductAnalysis>((resolve, reject) => {
        waiting.push({ request, resolve, reject });
        dispatch();
      });
    },
    async close() {
      closed = true;
      const closing = new Error('the image analyzer is closed');
      for (const task of waiting.splice(0)) task.reject(closing);
      for (const slot of slots) slot.task?.reject(closing);
      await Promise.all(slots.splice(0).map((slot) => slot.worker.terminate()));
    },
  };
}
