// `pnpm --filter @nlyzer/infra gen:terraform [-- --out <dir>]`: regenerate terraform/generated.
import { parseArgs } from 'node:util';
import { GENERATED_DIR } from './paths.ts';
import { writeTerraform } from './write-terraform.ts';

const { values } = parseArgs({ options: { out: { type: 'string' } } });
const dir = values.out ?? GENERATED_DIR;
const written = await writeTerraform(dir);
console.log(`wrote ${written.length} files to ${dir}: ${written.join(', ')}`);
