// Reads what a Terraform module declares and what it references, from the generated JSON
// and from the hand-written HCL, so tests can prove every reference resolves without a
// `terraform` binary. It understands the subset of HCL terraform/*.tf is written in:
// top-level blocks opened at column 0 and `name = value` attributes.

/** Addresses a module declares: `type.label`, `data.type.label`, `var.x`, `local.x`, `module.x`. */
export interface Declarations {
  addresses: Set<string>;
  outputs: Set<string>;
  /** Module calls and the argument names passed to each. */
  moduleArguments: Map<string, Set<string>>;
}

export interface Reference {
  /** The address the reference needs declared, e.g. `google_pubsub_topic.store_created`. */
  address: string;
  /** `module.<name>.<output>` references also name the output they read. */
  output?: string;
  file: string;
}

const KEYWORDS = new Set(['each', 'count', 'self', 'path', 'terraform']);
const REFERENCE =
  /(?<![\w.-])(?:(var|local)\.([A-Za-z_][\w-]*)|module\.([A-Za-z_][\w-]*)\.([A-Za-z_][\w-]*)|data\.([a-z][a-z0-9]*_[\w]+)\.([A-Za-z_][\w-]*)|([a-z][a-z0-9]*_[\w]+)\.([A-Za-z_][\w-]*))/g;

function referencesIn(expression: string, file: string): Reference[] {
  const found: Reference[] = [];
  for (const m of expression.matchAll(REFERENCE)) {
    const [, kind, name, module, output, dataType, dataLabel, type, label] = m;
    if (kind && name) found.push({ address: `${kind}.${name}`, file });
    else if (module && output) found.push({ address: `module.${module}`, output, file });
    else if (dataType && dataLabel) found.push({ address: `data.${dataType}.${dataLabel}`, file });
    else if (type && label && !KEYWORDS.has(type)) found.push({ address: `${type}.${label}`, file });
  }
  return found;
}

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function isObject(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function emptyDeclarations(): Declarations {
  return { addresses: new Set(), outputs: new Set(), moduleArguments: new Map() };
}

/** Adds what one `*.tf.json` document declares. */
export function declareJson(doc: Json, into: Declarations): void {
  if (!isObject(doc)) return;
  const { resource, data, variable, locals, output, module } = doc;
  if (isObject(resource)) {
    for (const [type, labels] of Object.entries(resource)) {
      if (isObject(labels)) for (const label of Object.keys(labels)) into.addresses.add(`${type}.${label}`);
    }
  }
  if (isObject(data)) {
    for (const [type, labels] of Object.entries(data)) {
      if (isObject(labels))
        for (const label of Object.keys(labels)) into.addresses.add(`data.${type}.${label}`);
    }
  }
  if (isObject(variable)) for (const name of Object.keys(variable)) into.addresses.add(`var.${name}`);
  if (isObject(locals)) for (const name of Object.keys(locals)) into.addresses.add(`local.${name}`);
  if (isObject(output)) for (const name of Object.keys(output)) into.outputs.add(name);
  if (isObject(module)) for (const name of Object.keys(module)) into.addresses.add(`module.${name}`);
}

/** References in `${…}` interpolations and in `depends_on` lists of one `*.tf.json` document. */
export function jsonReferences(doc: Json, file: string): Reference[] {
  const found: Reference[] = [];
  const walk = (value: Json, key: string | undefined): void => {
    if (typeof value === 'string') {
      for (const [, expression] of value.matchAll(/\$\{([^}]*)\}/g))
        found.push(...referencesIn(expression ?? '', file));
    } else if (Array.isArray(value)) {
      // depends_on holds bare addresses; ignore_changes holds attribute paths, not references.
      if (key === 'depends_on') for (const item of value) found.push(...referencesIn(String(item), file));
      else if (key !== 'ignore_changes') for (const item of value) walk(item, undefined);
    } else if (isObject(value)) {
      for (const [k, v] of Object.entries(value)) if (k !== '//') walk(v, k);
    }
  };
  walk(doc, undefined);
  return found;
}

/** Cuts `#` and `//` line comments, but not inside strings (`postgres://…`). */
function withoutComments(hcl: string): string {
  const cut = (line: string): string => {
    let inString = false;
    for (let i = 0; i < line.length; i++) {
      const char = line[i];
      if (char === '\\' && inString) i++;
      else if (char === '"') inString = !inString;
      else if (!inString && (char === '#' || (char === '/' && line[i + 1] === '/')))
        return line.slice(0, i).trimEnd();
    }
    return line;
  };
  return hcl.split('\n').map(cut).join('\n');
}

/** Top-level blocks of an HCL file: header words and body text. */
function blocksOf(hcl: string): { header: string[]; body: string }[] {
  const blocks: { header: string[]; body: string }[] = [];
  const lines = withoutComments(hcl).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = lines[i]?.match(/^([a-z_]+)((?:\s+"[^"]*")*)\s*\{\s*$/);
    if (!open) continue;
    const header = [open[1]!, ...[...(open[2] ?? '').matchAll(/"([^"]*)"/g)].map((m) => m[1]!)];
    const body: string[] = [];
    while (++i < lines.length && lines[i] !== '}') body.push(lines[i]!);
    blocks.push({ header, body: body.join('\n') });
  }
  return blocks;
}

/** Attribute names at the first nesting level of a block body. */
function topLevelAttributes(body: string): string[] {
  const names: string[] = [];
  let depth = 0;
  for (const line of body.split('\n')) {
    const attribute = line.match(/^\s*([A-Za-z_][\w-]*)\s*=/);
    if (depth === 0 && attribute) names.push(attribute[1]!);
    depth += (line.match(/[{[(]/g) ?? []).length - (line.match(/[}\])]/g) ?? []).length;
  }
  return names;
}

const MODULE_META_ARGUMENTS = new Set(['source', 'version', 'depends_on', 'providers', 'count', 'for_each']);

/** Adds what one hand-written `*.tf` file declares. */
export function declareHcl(hcl: string, into: Declarations): void {
  for (const { header, body } of blocksOf(hcl)) {
    const [kind, first, second] = header;
    if (kind === 'resource' && first && second) into.addresses.add(`${first}.${second}`);
    else if (kind === 'data' && first && second) into.addresses.add(`data.${first}.${second}`);
    else if (kind === 'variable' && first) into.addresses.add(`var.${first}`);
    else if (kind === 'output' && first) into.outputs.add(first);
    else if (kind === 'locals')
      for (const name of topLevelAttributes(body)) into.addresses.add(`local.${name}`);
    else if (kind === 'module' && first) {
      into.addresses.add(`module.${first}`);
      const args = topLevelAttributes(body).filter((name) => !MODULE_META_ARGUMENTS.has(name));
      into.moduleArguments.set(first, new Set(args));
    }
  }
}

/** References in the expressions of one hand-written `*.tf` file. */
export function hclReferences(hcl: string, file: string): Reference[] {
  // Block headers are quoted labels, not references; everything else is expression text.
  const expressions = withoutComments(hcl).replace(/^[a-z_]+(\s+"[^"]*")*\s*\{\s*$/gm, '');
  return referencesIn(expressions, file);
}

/** The `source = "./x"` of each module call. */
export function moduleSources(hcl: string): Map<string, string> {
  const sources = new Map<string, string>();
  for (const { header, body } of blocksOf(hcl)) {
    const source = body.match(/^\s*source\s*=\s*"([^"]+)"/m);
    if (header[0] === 'module' && header[1] && source?.[1]) sources.set(header[1], source[1]);
  }
  return sources;
}
