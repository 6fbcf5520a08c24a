// A minimal model of Terraform's JSON syntax (https://developer.hashicorp.com/terraform/language/syntax/json):
// enough to build the generated module file by file and render it byte-for-byte reproducibly.
import { TerraformGenError } from './errors.ts';

export type TfValue = string | number | boolean | null | TfValue[] | { [key: string]: TfValue };
export type TfBody = { [key: string]: TfValue };

/** One `*.tf.json` file: top-level blocks keyed the way Terraform JSON expects them. */
export class TfFile {
  readonly name: string;
  readonly #blocks: {
    resource: Record<string, Record<string, TfBody>>;
    variable: Record<string, TfBody>;
    output: Record<string, TfBody>;
    terraform: TfBody | undefined;
  } = { resource: {}, variable: {}, output: {}, terraform: undefined };

  constructor(name: string) {
    this.name = name;
  }

  /** Adds `resource "<type>" "<label>"` and returns its address helpers. */
  resource(type: string, label: string, body: TfBody): TfResource {
    const ofType = this.#blocks.resource[type] ?? {};
    this.#blocks.resource[type] = ofType;
    if (ofType[label]) {
      throw new TerraformGenError('duplicate_resource', `${type}.${label} is generated twice`);
    }
    ofType[label] = body;
    return new TfResource(type, label);
  }

  variable(name: string, body: TfBody): void {
    this.#blocks.variable[name] = body;
  }

  output(name: string, body: TfBody): void {
    this.#blocks.output[name] = body;
  }

  terraform(body: TfBody): void {
    this.#blocks.terraform = body;
  }

  /** Pretty JSON with a header comment (`//` keys are comments in Terraform JSON). */
  render(header: string): string {
    const doc: TfBody = { '//': header };
    const { resource, variable, output, terraform } = this.#blocks;
    if (terraform) doc.terraform = terraform;
    if (Object.keys(variable).length > 0) doc.variable = variable;
    if (Object.keys(resource).length > 0) doc.resource = resource;
    if (Object.keys(output).length > 0) doc.output = output;
    return `${JSON.stringify(doc, null, 2)}\n`;
  }
}

/** The address of a generated resource, for interpolations and `depends_on`. */
export class TfResource {
  readonly type: string;
  readonly label: string;

  constructor(type: string, label: string) {
    this.type = type;
    this.label = label;
  }

  get address(): string {
    return `${this.type}.${this.label}`;
  }

  /** `${<type>.<label>.<attribute>}` */
  ref(attribute: string): string {
    return interpolate(`${this.address}.${attribute}`);
  }
}

/** A Terraform template interpolation of `expression`. */
export function interpolate(expression: string): string {
  return `\${${expression}}`;
}

/** `${var.<name>}` */
export function varRef(name: string): string {
  return interpolate(`var.${name}`);
}

/** Terraform block labels allow letters, digits, `_` and `-`; dots in topic names become `_`. */
export function tfLabel(name: string): string {
  const label = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(label) ? label : `_${label}`;
}
