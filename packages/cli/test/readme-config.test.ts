import { readFile } from 'node:fs/promises';
import { expect, test } from 'vitest';
import { configMarkdown, readmeConfigBlock } from '../src/commands/config.ts';
import { fromWorkspace } from '../src/runtime/workspace.ts';

test("the README's configuration table is the one the schemas generate", async () => {
  const { block } = readmeConfigBlock(await readFile(fromWorkspace('README.md'), 'utf8'));
  expect(block, 'run `pnpm nlyzer config --update-readme`').toBe((await configMarkdown()).trim());
});
