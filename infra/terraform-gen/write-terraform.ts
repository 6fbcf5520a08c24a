import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { generateTerraform } from './generate.ts';

/** Writes the generated module into `dir`, removing generated files the catalogs no longer produce. */
export async function writeTerraform(dir: string): Promise<string[]> {
  const files = generateTerraform();
  await mkdir(dir, { recursive: true });
  const stale = (await readdir(dir)).filter((name) => name.endsWith('.tf.json') && !files.has(name));
  await Promise.all(stale.map((name) => rm(join(dir, name))));
  await Promise.all([...files].map(([name, content]) => writeFile(join(dir, name), content)));
  return [...files.keys()];
}
