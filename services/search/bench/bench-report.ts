// What every search bench shares: summary statistics, progress on stderr, the JSON lines
// it ends with on stdout, and the JSON lines of the package benches it runs as children.
import { spawn } from 'node:child_process';
import path from 'node:path';

/** The workspace root (this file is services/search/bench/). */
export const WORKSPACE = path.resolve(import.meta.dirname, '../../..');
/** Rendered catalogs and photos kept between runs (PGlite keeps its template there too). */
export const BENCH_CACHE = path.join(WORKSPACE, 'node_modules/.cache/nlyzer');

export type Measurement = Record<string, unknown>;

export function progress(message: string): void {
  process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
}

/** The value below which a share `p` of the sorted values falls (nearest rank). */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

export const ascending = (values: readonly number[]): number[] => [...values].sort((a, b) => a - b);

export const median = (values: readonly number[]): number => percentile(ascending(values), 0.5);

export const round = (value: number, digits = 2): number => Number(value.toFixed(digits));

export const seconds = (startedMs: number): number => round((performance.now() - startedMs) / 1000, 1);

/** Prints the measurements as the last lines of stdout, one JSON object each. */
export function printMeasurements(measurements: readonly Measurement[]): void {
  process.stdout.write('--- results ---\n');
  for (const measurement of measurements) process.stdout.write(`${JSON.stringify(measurement)}\n`);
}

/**
 * Runs a bench of another package and returns the JSON objects among its stdout lines
 * (its progress and stderr pass through to ours). Lines printed twice (progress, then a
 * results block) are kept once.
 */
export function jsonLinesOf(
  command: string,
  args: readonly string[],
  cwd = WORKSPACE,
): Promise<Measurement[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new Error(`${path.basename(command)} ${args.join(' ')} exited with ${code}`));
        return;
      }
      const seen = new Set<string>();
      const lines = out
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line.startsWith('{') && !seen.has(line) && seen.add(line));
      resolve(lines.flatMap((line) => parsedObject(line)));
    });
  });
}

function parsedObject(line: string): Measurement[] {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? [value as Measurement] : [];
  } catch {
    return [];
  }
}
