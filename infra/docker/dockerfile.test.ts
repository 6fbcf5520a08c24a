import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../terraform-gen/paths.ts';

const rootPackage = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
  packageManager: string;
  devDependencies: Record<string, string>;
};
const pinnedNode = rootPackage.devDependencies.node ?? '';
const pinnedPnpm = rootPackage.packageManager.replace(/^pnpm@/, '');
const read = (name: string) => readFileSync(join(import.meta.dirname, name), 'utf8');
const fromLines = (dockerfile: string) => [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);

describe('infra/docker', () => {
  it('the root package.json pins an exact Node and pnpm', () => {
    expect(pinnedNode).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pinnedPnpm).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it.each(['Dockerfile', 'ci.Dockerfile'])('%s builds every stage FROM the pinned Node', (name) => {
    const images = fromLines(read(name));
    expect(images.length).toBeGreaterThan(0);
    for (const image of images)
      expect(image).toMatch(new RegExp(`^node:${pinnedNode.replaceAll('.', '\\.')}-`));
  });

  it('the service image installs the pinned pnpm and only production dependencies from the lockfile', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain(`pnpm@${pinnedPnpm}`);
    expect(dockerfile).toMatch(/pnpm install [^\n]*--frozen-lockfile[^\n]*--prod/);
  });

  it('the service image runs as a non-root user and serves $SERVICE with the CLI that exists', () => {
    const dockerfile = read('Dockerfile');
    const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
    expect(finalStage).toMatch(/^USER (?!root\b|0\b)\S+/m);
    const cmd = finalStage.match(/^CMD (.+)$/m)?.[1] ?? '';
    expect(cmd).toMatch(/node packages\/cli\/bin\/nlyzer\.js serve \\"\$\{SERVICE/);
    expect(existsSync(join(REPO_ROOT, 'packages/cli/bin/nlyzer.js'))).toBe(true);
  });

  it('keeps host node_modules and secrets out of the build context', () => {
    const ignored = read('Dockerfile.dockerignore').split('\n');
    for (const pattern of ['**/node_modules', '**/.env', '.git']) expect(ignored).toContain(pattern);
  });
});
