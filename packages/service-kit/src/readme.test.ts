import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { baseConfigSchema, configTableMarkdown } from './config.ts';
import { ERROR_CODES } from './errors.ts';

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');

/** A markdown table's cells, so column padding added by the formatter does not matter. */
function cells(table: string): string[][] {
  return table
    .trim()
    .split('\n')
    .filter((line) => !/^\|[\s|:-]+\|$/.test(line))
    .map((line) =>
      line
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim()),
    );
}

function section(name: string): string[][] {
  const match = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readme);
  if (!match) throw new Error(`README has no ${name} section`);
  return cells(match[1]!);
}

describe('README', () => {
  it('lists the shared configuration exactly as the schema defines it', () => {
    expect(section('config')).toEqual(cells(configTableMarkdown(baseConfigSchema)));
  });

  it('lists every error code with its status and title', () => {
    const rows = Object.entries(ERROR_CODES).map(
      ([code, { status, title }]) => `| \`${code}\` | ${status} | ${title} |`,
    );
    expect(section('error-codes')).toEqual(
      cells(['| Code | Status | Title |', '|---|---|---|', ...rows].join('\n')),
    );
  });
});
