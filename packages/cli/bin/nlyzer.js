#!/usr/bin/env node
// The CLI is TypeScript run by Node's type stripping; this shim only loads it.
// The workspace brings Node 24 LTS; an older `node` on the PATH can't strip types.
const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  console.error(
    `nlyzer needs the workspace's Node 24 (this is Node ${process.versions.node}): ` +
      'run it through pnpm (`node_modules/.bin/pnpm nlyzer …`) or `npm start`.',
  );
  process.exit(1);
}
await import('../src/main.ts');
