import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { parse } from 'yaml';
import type { WooCommerceRecordedResponse } from '../testing/woocommerce-test-server.ts';

/** The wc/v3 OpenAPI document WooCommerce publishes, kept beside the repository in shared/schemas. */
const OPENAPI_FILE = new URL('../../../../../shared/schemas/woocommerce-wc-v3.openapi.yml', import.meta.url);

/** WordPress's REST error body (`WP_Error` as JSON); the OpenAPI document describes error statuses without one. */
const WP_ERROR_SCHEMA = {
  type: 'object',
  required: ['code', 'message', 'data'],
  additionalProperties: false,
  properties: {
    code: { type: 'string', minLength: 1 },
    message: { type: 'string' },
    data: {
      type: 'object',
      required: ['status'],
      additionalProperties: false,
      properties: { status: { type: 'integer' } },
    },
  },
};

/**
 * Every object schema with declared properties is closed (`additionalProperties: false`), so a
 * field the test server invents fails instead of slipping through the open OpenAPI schemas.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (typeof node !== 'object' || node === null) return node;
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) copy[key] = closeObjects(value);
  if (
    copy.type === 'object' &&
    typeof copy.properties === 'object' &&
    copy.additionalProperties === undefined
  ) {
    copy.additionalProperties = false;
  }
  return copy;
}

const pointer = (...parts: string[]) =>
  parts.map((part) => part.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

/** Checks recorded test-server responses against the wc/v3 OpenAPI response schemas; returns the failures. */
export function createWcOpenApiValidator() {
  const document = closeObjects(parse(readFileSync(OPENAPI_FILE, 'utf8'))) as {
    paths: Record<string, Record<string, { responses: Record<string, { content?: unknown }> }>>;
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  ajv.addFormat('uri', (value: string) => URL.canParse(value));
  ajv.addSchema(document, 'wc');
  const wpError = ajv.compile(WP_ERROR_SCHEMA);

  return function validate(response: WooCommerceRecordedResponse): string | null {
    let check: ReturnType<typeof ajv.compile> | undefined;
    if (response.status >= 400) check = wpError;
    else if (response.operation === 'webhook') check = ajv.getSchema('wc#/components/schemas/product');
    else if (response.operation !== null) {
      const operation = document.paths[response.operation]?.[response.method];
      if (operation === undefined)
        return `${response.method} ${response.operation} is not in the OpenAPI document`;
      // The document lists 200 for creations that WooCommerce answers with 201.
      const status = String(response.status) in operation.responses ? String(response.status) : '200';
      check = ajv.getSchema(
        `wc#/${pointer('paths', response.operation, response.method, 'responses', status, 'content', 'application/json', 'schema')}`,
      );
    }
    if (check === undefined)
      return `no schema for ${response.method} ${response.operation} ${response.status}`;
    return check(response.body)
      ? null
      : `${response.method} ${response.operation} ${response.status}: ${ajv.errorsText(check.errors)}`;
  };
}
