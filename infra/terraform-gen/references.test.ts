import { describe, expect, it } from 'vitest';
import { DATABASE_URL_SECRET } from './deployment-settings.ts';
import { secretId } from './gcp-names.ts';
import { MODULE_INPUTS } from './module-interface.ts';
import { readHclFiles, readTfJsonFiles } from './read-terraform.ts';
import { interpolate } from './terraform-json.ts';
import {
  type Declarations,
  declareHcl,
  declareJson,
  emptyDeclarations,
  hclReferences,
  jsonReferences,
  moduleSources,
  type Reference,
} from './terraform-refs.ts';

const generatedFiles = readTfJsonFiles();
const rootFiles = readHclFiles();

function generatedModule(): { declared: Declarations; references: Reference[] } {
  const declared = emptyDeclarations();
  const references: Reference[] = [];
  for (const [file, doc] of generatedFiles) {
    declareJson(doc, declared);
    references.push(...jsonReferences(doc, file));
  }
  return { declared, references };
}

function rootModule(): { declared: Declarations; references: Reference[] } {
  const declared = emptyDeclarations();
  const references: Reference[] = [];
  for (const [file, hcl] of rootFiles) {
    declareHcl(hcl, declared);
    references.push(...hclReferences(hcl, file));
  }
  return { declared, references };
}

/** References that point at nothing: `<file>: <address>[.<output>]`. */
function unresolved(
  references: Reference[],
  declared: Declarations,
  outputsOf: (module: string) => Set<string>,
): string[] {
  return references
    .filter(({ address, output }) => {
      if (!declared.addresses.has(address)) return true;
      return output !== undefined && !outputsOf(address.slice('module.'.length)).has(output);
    })
    .map(({ file, address, output }) => `${file}: ${address}${output ? `.${output}` : ''}`);
}

describe('references in the Terraform', () => {
  const generated = generatedModule();
  const root = rootModule();
  const noModules = () => new Set<string>();

  it('resolve inside the generated module', () => {
    expect(generated.references.length).toBeGreaterThan(100);
    expect(unresolved(generated.references, generated.declared, noModules)).toEqual([]);
  });

  it('resolve inside the hand-written root module, module outputs included', () => {
    expect(root.references.length).toBeGreaterThan(10);
    expect(unresolved(root.references, root.declared, () => generated.declared.outputs)).toEqual([]);
  });

  it('catch a reference to something that is not declared', () => {
    const doc = {
      resource: {
        google_pubsub_topic: { a: { name: 'a' } },
        google_pubsub_subscription: {
          s: {
            topic: interpolate('google_pubsub_topic.missing.id'),
            depends_on: ['google_pubsub_topic.gone'],
          },
        },
      },
    };
    const declared = emptyDeclarations();
    declareJson(doc, declared);
    expect(unresolved(jsonReferences(doc, 'x.tf.json'), declared, noModules)).toEqual([
      'x.tf.json: google_pubsub_topic.missing',
      'x.tf.json: google_pubsub_topic.gone',
    ]);
    const url = `postgres://${interpolate('var.host')}`;
    const hcl = `output "x" {\n  value = module.catalog.nope # a comment: var.ignored\n  url = "${url}"\n}\n`;
    expect(unresolved(hclReferences(hcl, 'x.tf'), emptyDeclarations(), noModules)).toEqual([
      'x.tf: module.catalog.nope',
      'x.tf: var.host',
    ]);
  });

  it('pass the generated module exactly the inputs it declares', () => {
    const sources = moduleSources([...rootFiles.values()].join('\n'));
    const [[name, source] = []] = [...sources];
    expect(source).toBe('./generated');
    const passed = [...(root.declared.moduleArguments.get(name ?? '') ?? [])].sort();
    expect(passed).toEqual(Object.keys(MODULE_INPUTS).sort());
    const declaredInputs = [...generated.declared.addresses].filter((a) => a.startsWith('var.')).sort();
    expect(declaredInputs).toEqual(
      Object.keys(MODULE_INPUTS)
        .map((input) => `var.${input}`)
        .sort(),
    );
  });

  it('name the DATABASE_URL secret the way the generator names secrets', () => {
    const main = rootFiles.get('main.tf') ?? '';
    expect(main).toContain(`secret_id = "${secretId(DATABASE_URL_SECRET)}"`);
  });

  it('pin the google provider to 6.x', () => {
    expect(rootFiles.get('versions.tf')).toMatch(
      /source\s*=\s*"hashicorp\/google"\s*\n\s*version\s*=\s*"~> 6\.0"/,
    );
  });
});
