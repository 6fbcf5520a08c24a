import { readFile, writeFile } from 'node:fs/promises';
import { baseConfigSchema, type ConfigRow, configTable, configTableMarkdown } from '@nlyzer/service-kit';
import Type, { type TObject } from 'typebox';
import { cliConfigSchema } from '../runtime/cli-config.ts';
import { type CommandIo, formatColumns, writeLine } from '../runtime/console-output.ts';
import { discoverServices } from '../runtime/discover-services.ts';
import { fromWorkspace } from '../runtime/workspace.ts';

interface ConfigSection {
  title: string;
  schema: TObject;
}

/** Shared variables, the command's own, then each present service's own (shared names left out). */
export async function configSections(): Promise<ConfigSection[]> {
  const { services } = await discoverServices();
  const shared = new Set(Object.keys(baseConfigSchema.properties));
  const sections: ConfigSection[] = [
    { title: 'Shared by every service', schema: baseConfigSchema },
    { title: 'The nlyzer command', schema: cliConfigSchema },
  ];
  for (const service of services) {
    const own = Object.entries(service.configSchema.properties).filter(([name]) => !shared.has(name));
    if (own.length > 0) {
      sections.push({
        title: `Service ${service.name}`,
        schema: Type.Object(Object.fromEntries(own), { required: service.configSchema.required ?? [] }),
      });
    }
  }
  return sections;
}

function defaultText(row: ConfigRow): string {
  if (row.default !== undefined) return row.default;
  if (row.required) return '(required)';
  return row.requiredWhen ? `(required when ${row.requiredWhen})` : '';
}

/** The Markdown tables of every section, as the README carries them. */
export async function configMarkdown(): Promise<string> {
  const sections = await configSections();
  return sections.map(({ title, schema }) => `### ${title}\n\n${configTableMarkdown(schema)}`).join('\n\n');
}

const README_START = '<!-- config:start -->';
const README_END = '<!-- config:end -->';

/** The README's configuration block: whatever stands between the two markers. */
export function readmeConfigBlock(readme: string): { before: string; block: string; after: string } {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start)
    throw new Error(`README.md lacks the ${README_START} … ${README_END} markers`);
  return {
    before: readme.slice(0, start + README_START.length),
    block: readme.slice(start + README_START.length, end).trim(),
    after: readme.slice(end),
  };
}

/** `nlyzer config [--markdown | --update-readme]`: every variable, generated from the schemas. */
export async function configCommand(
  options: { markdown?: boolean; updateReadme?: boolean },
  io: CommandIo,
): Promise<void> {
  if (options.markdown || options.updateReadme) {
    const markdown = await configMarkdown();
    if (!options.updateReadme) return writeLine(io.stdout, markdown);
    const path = fromWorkspace('README.md');
    const { before, after } = readmeConfigBlock(await readFile(path, 'utf8'));
    await writeFile(path, `${before}\n${markdown}\n${after}`);
    return writeLine(io.stdout, `updated the configuration table in ${path}`);
  }
  const sections = await configSections();
  for (const [index, { title, schema }] of sections.entries()) {
    if (index > 0) writeLine(io.stdout);
    writeLine(io.stdout, title);
    const rows = configTable(schema).map((row) => [
      row.name,
      defaultText(row),
      row.secret ? `${row.description} (secret)` : row.description,
    ]);
    for (const line of formatColumns([['VARIABLE', 'DEFAULT', 'DESCRIPTION'], ...rows], '  ')) {
      writeLine(io.stdout, line);
    }
  }
}
