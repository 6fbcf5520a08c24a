// Reads the Terraform on disk (the generated module and the hand-written root) for the
// tests that check what would actually be applied.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GENERATED_DIR, TERRAFORM_DIR } from './paths.ts';

// biome-ignore lint/suspicious/noExplicitAny: Terraform JSON bodies are checked field by field.
export type TfJson = Record<string, any>;

export function readTfJsonFiles(dir: string = GENERATED_DIR): Map<string, TfJson> {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.tf.json'))
    .sort();
  return new Map(names.map((name) => [name, JSON.parse(readFileSync(join(dir, name), 'utf8')) as TfJson]));
}

export function readHclFiles(dir: string = TERRAFORM_DIR): Map<string, string> {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.tf'))
    .sort();
  return new Map(names.map((name) => [name, readFileSync(join(dir, name), 'utf8')]));
}

/** Every resource of one type across the module's files, by label. */
export function resourcesOfType(files: Map<string, TfJson>, type: string): Record<string, TfJson> {
  const all: Record<string, TfJson> = {};
  for (const doc of files.values()) Object.assign(all, doc.resource?.[type] ?? {});
  return all;
}
