// Fires image searches at a listening search app from a worker thread, so the client's
// own work (fetch, JSON) runs beside the server's event loop rather than on it.
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { SearchResponseBody } from './bench-search-app.ts';

export interface LoadPlan {
  url: string;
  token: string;
  origin: string;
  photos: { bytes: Uint8Array; externalId: string }[];
  /** Requests in flight at once. */
  concurrency: number;
  durationMs: number;
  /** Stop early after this many requests (the per-store rate limit counts every one). */
  maxRequests: number;
}

export interface LoadOutcome {
  /** Client-side milliseconds of each 200 response. */
  latencies: number[];
  /** The engine's own `latency_ms` of each 200 response. */
  engineMs: number[];
  cached: number;
  /** 200 responses whose first result was the photo's own product. */
  ownFirst: number;
  statuses: Record<string, number>;
  elapsedMs: number;
}

/** Runs the plan in a worker thread. */
export function runLoad(plan: LoadPlan): Promise<LoadOutcome> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(import.meta.url), { workerData: plan });
    worker.once('message', (outcome: LoadOutcome) => {
      resolve(outcome);
      // Idle keep-alive sockets would hold the thread open for seconds.
      void worker.terminate();
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`http load worker exited with ${code}`));
    });
  });
}

async function load(plan: LoadPlan): Promise<LoadOutcome> {
  const outcome: LoadOutcome = {
    latencies: [],
    engineMs: [],
    cached: 0,
    ownFirst: 0,
    statuses: {},
    elapsedMs: 0,
  };
  const started = performance.now();
  const deadline = started + plan.durationMs;
  let next = 0;
  const headers = {
    'content-type': 'image/jpeg',
    origin: plan.origin,
    authorization: `Bearer ${plan.token}`,
  };
  async function client(): Promise<void> {
    while (performance.now() < deadline && next < plan.maxRequests) {
      const photo = plan.photos[next++ % plan.photos.length]!;
      const sent = performance.now();
      const response = await fetch(`${plan.url}/v1/search/image`, {
        method: 'POST',
        headers,
        body: photo.bytes,
      });
      const text = await response.text();
      const ms = performance.now() - sent;
      outcome.statuses[response.status] = (outcome.statuses[response.status] ?? 0) + 1;
      if (response.status !== 200) continue;
      const body = JSON.parse(text) as SearchResponseBody;
      outcome.latencies.push(ms);
      outcome.engineMs.push(body.latency_ms);
      if (body.cached) outcome.cached++;
      if (body.results[0]?.external_id === photo.externalId) outcome.ownFirst++;
    }
  }
  await Promise.all(Array.from({ length: plan.concurrency }, client));
  outcome.elapsedMs = performance.now() - started;
  return outcome;
}

if (!isMainThread && parentPort !== null) {
  parentPort.postMessage(await load(workerData as LoadPlan));
}
