#!/usr/bin/env node
// Entry point of the two README commands. Runs on whatever Node the machine has
// (20 is enough): installs the pinned pnpm from the npm registry, installs the
// workspace (which brings the pinned Node LTS as the `node` devDependency), then
// hands over to `pnpm run <script>`, whose PATH puts that Node first.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { packageManager } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const pnpmSpec = packageManager; // e.g. "pnpm@10.34.9"
const localPnpm = join(root, 'node_modules', '.bin', 'pnpm');

function run(cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (res.error) throw res.error;
  return res.status ?? 1;
}

function installNeeded() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker) || !existsSync(localPnpm)) return true;
  const lock = join(root, 'pnpm-lock.yaml');
  return existsSync(lock) && statSync(lock).mtimeMs > statSync(marker).mtimeMs;
}

const [command, script, ...rest] = process.argv.slice(2);
if (command !== 'run' || !script) {
  console.error('usage: node scripts/bootstrap.mjs run <script> [args…]');
  process.exit(2);
}

if (installNeeded()) {
  console.log(`[nlyzer] installing the workspace with ${pnpmSpec} (first run only)…`);
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  const status = run('npx', ['--yes', pnpmSpec, 'install', ...frozen]);
  if (status !== 0) process.exit(status);
}
process.exit(run(localPnpm, ['run', script, ...rest]));
