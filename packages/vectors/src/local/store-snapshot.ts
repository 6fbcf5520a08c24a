import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { VectorMetadata } from '../vector-index.ts';
import { VectorIndexError } from '../vector-index-error.ts';
import { FlatVectors } from './flat-vectors.ts';
import { HnswGraph } from './hnsw-graph.ts';
import type { StoreEntry, StoreIndexSettings, StoreIndexState } from './store-index.ts';

const FORMAT = 1;
const MANIFEST = 'manifest.json';

interface Manifest {
  format: number;
  dimensions: number;
  quantization: string;
  backend: 'flat' | 'hnsw';
  dataFile: string;
  watermark: string | null;
  nextKey: number;
  /** Flat backends keep the keys in row order, so the data file needs no keys of its own. */
  keys: number[];
  ids: string[];
  metadata: VectorMetadata[];
}

export function storeDirectory(root: string, storeId: string): string {
  return join(root, encodeURIComponent(storeId));
}

/**
 * Writes the data file under a fresh name and then swaps the manifest in with a rename,
 * so a crash mid-write leaves the previous snapshot readable.
 */
export async function writeSnapshot(
  dir: string,
  state: StoreIndexState,
  watermark: string | null,
  settings: StoreIndexSettings,
): Promise<void> {
  await mkdir(dir, { recursive: true });
  const keys = state.backend.kind === 'flat' ? [...state.backend.flat.keys()] : [...state.entries.keys()];
  const dataFile = `data-${randomUUID()}.${state.backend.kind === 'flat' ? 'f32' : 'usearch'}`;
  if (state.backend.kind === 'flat') {
    const rows = state.backend.flat.rows();
    await writeFile(join(dir, dataFile), new Uint8Array(rows.buffer, rows.byteOffset, rows.byteLength));
  } else {
    state.backend.graph.save(join(dir, dataFile));
  }
  const manifest: Manifest = {
    format: FORMAT,
    dimensions: settings.dimensions,
    quantization: settings.quantization,
    backend: state.backend.kind,
    dataFile,
    watermark,
    nextKey: state.nextKey,
    keys,
    ids: keys.map((key) => state.entries.get(key)!.id),
    metadata: keys.map((key) => state.entries.get(key)!.metadata),
  };
  const tmp = join(dir, `${MANIFEST}.${randomUUID()}.tmp`);
  await writeFile(tmp, JSON.stringify(manifest));
  await rename(tmp, join(dir, MANIFEST));
  for (const name of await readdir(dir)) {
    if (name !== MANIFEST && name !== dataFile) await rm(join(dir, name), { force: true });
  }
}

export interface LoadedSnapshot {
  state: StoreIndexState;
  watermark: string | null;
}

/** Undefined when there is no snapshot; throws `snapshot_corrupt` when it does not fit these settings. */
export async function readSnapshot(
  dir: string,
  settings: StoreIndexSettings,
): Promise<LoadedSnapshot | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new VectorIndexError('snapshot_corrupt', `unreadable manifest in ${dir}`, { cause: err });
  }
  if (
    manifest.format !== FORMAT ||
    manifest.dimensions !== settings.dimensions ||
    manifest.quantization !== settings.quantization
  ) {
    throw new VectorIndexError('snapshot_corrupt', `snapshot in ${dir} was written with other settings`);
  }
  const entries = new Map<number, StoreEntry>();
  for (const [i, key] of manifest.keys.entries()) {
    entries.set(key, { id: manifest.ids[i]!, metadata: manifest.metadata[i]! });
  }
  const dataPath = join(dir, manifest.dataFile);
  try {
    if (manifest.backend === 'hnsw') {
      const graph = new HnswGraph(settings);
      graph.load(dataPath);
      if (graph.size !== entries.size)
        throw new Error(`graph holds ${graph.size} vectors, manifest ${entries.size}`);
      return {
        state: { nextKey: manifest.nextKey, entries, backend: { kind: 'hnsw', graph } },
        watermark: manifest.watermark,
      };
    }
    const bytes = await readFile(dataPath);
    // Copied out: a Buffer's offset into its ArrayBuffer need not be 4-byte aligned.
    const rows = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    if (rows.length !== manifest.keys.length * settings.dimensions)
      throw new Error('row count differs from manifest');
    const flat = new FlatVectors(settings.dimensions, manifest.keys.length);
    const d = settings.dimensions;
    for (const [i, key] of manifest.keys.entries()) flat.add(key, rows.subarray(i * d, (i + 1) * d));
    return {
      state: { nextKey: manifest.nextKey, entries, backend: { kind: 'flat', flat } },
      watermark: manifest.watermark,
    };
  } catch (err) {
    throw new VectorIndexError('snapshot_corrupt', `snapshot data in ${dir} does not load`, { cause: err });
  }
}
