import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { buildClientSchema, type GraphQLSchema, type IntrospectionQuery } from 'graphql';

/** Shopify's published Admin API 2025-01 schema, kept beside the repo in shared/schemas. */
export const SHOPIFY_ADMIN_SCHEMA_FILE = new URL(
  '../../../../../shared/schemas/shopify-admin-2025-01.introspection.json.gz',
  import.meta.url,
);

const loaded = new Map<string, GraphQLSchema>();

/** The real Admin schema, parsed once per process (the introspection is 640 KB gzipped). */
export function loadShopifyAdminSchema(file: URL | string = SHOPIFY_ADMIN_SCHEMA_FILE): GraphQLSchema {
  const key = String(file);
  let schema = loaded.get(key);
  if (schema === undefined) {
    const json = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as
      | IntrospectionQuery
      | { data: IntrospectionQuery };
    schema = buildClientSchema('data' in json ? json.data : json);
    loaded.set(key, schema);
  }
  return schema;
}
