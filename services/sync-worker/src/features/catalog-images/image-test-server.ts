import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// A local stand-in for a store's CDN, for the inspector's tests and its benchmark.

export interface SeenRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

export type ImageRequestHandler = (req: IncomingMessage, res: ServerResponse, nth: number) => unknown;

export interface ImageTestServer {
  port: number;
  url(path: string): string;
  requests: SeenRequest[];
  /** Most requests the server was answering at the same time. */
  maxInFlight: number;
  close(): Promise<void>;
}

export async function startImageTestServer(handler: ImageRequestHandler): Promise<ImageTestServer> {
  let inFlight = 0;
  const requests: SeenRequest[] = [];
  const server = createServer(async (req, res) => {
    requests.push({ path: req.url ?? '', headers: req.headers });
    inFlight++;
    state.maxInFlight = Math.max(state.maxInFlight, inFlight);
    res.on('close', () => inFlight--);
    await handler(req, res, requests.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const state: ImageTestServer = {
    port,
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    maxInFlight: 0,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  return state;
}

/** Sends an image as a CDN would: its type, length and validators. */
export function sendImage(
  res: ServerResponse,
  body: Buffer,
  headers: Record<string, string> = { 'content-type': 'image/jpeg' },
): void {
  res.writeHead(200, { 'content-length': body.length, ...headers });
  res.end(body);
}
