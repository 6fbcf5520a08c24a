import {
  type DocumentNode,
  execute,
  type FragmentDefinitionNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  Kind,
  parse,
  validate,
} from 'graphql';
import { queryCost } from './shopify-query-cost.ts';
import {
  graphqlProduct,
  productGid,
  type ShopifyTestProduct,
  type ShopView,
} from './shopify-test-catalog.ts';

/** Shopify refuses any single query priced above this, whatever the bucket holds. */
const SINGLE_QUERY_MAX_COST = 1000;
const MAX_PAGE_SIZE = 250;

export interface ThrottleSettings {
  maximumAvailable: number;
  restoreRate: number;
}

export interface GraphqlRequestRecord {
  operationName: string | null;
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttled: boolean;
  at: number;
}

export interface ValidationFailure {
  /** The document as sent (a bulk operation's inner query too). */
  document: string;
  messages: string[];
}

export interface TestBulkOperation {
  id: string;
  number: number;
  query: string;
  status: 'CREATED' | 'RUNNING' | 'COMPLETED' | 'CANCELED' | 'FAILED' | 'EXPIRED';
  errorCode: string | null;
  createdAt: string;
  completedAt: string | null;
  file: Buffer | null;
  objectCount: number;
  rootObjectCount: number;
}

export interface AdminApiShop extends ShopView {
  name: string;
  domain: string;
}

export interface AdminApiOptions {
  schema: GraphQLSchema;
  shop: AdminApiShop;
  products: () => ShopifyTestProduct[];
  throttle: ThrottleSettings;
  /** How long a bulk operation stays CREATED, then RUNNING, before it completes. */
  bulkDelayMs: number;
  /** Puts each product's child lines this many products later in bulk files (0: right after it). */
  bulkChildrenLag?: number;
  bulkFileUrl: (operation: TestBulkOperation) => string;
}

type Args = Record<string, unknown>;
interface Context {
  bulk: boolean;
}

/** The Admin GraphQL endpoint of the test shop: the real schema, executed over the in-memory catalog. */
export function createShopifyTestAdminApi(options: AdminApiOptions) {
  const { schema, shop } = options;
  const requests: GraphqlRequestRecord[] = [];
  const validationFailures: ValidationFailure[] = [];
  const operations: TestBulkOperation[] = [];
  const webhookSubscriptions: { id: string; topic: string; callbackUrl: string; format: string }[] = [];
  let throttle = { ...options.throttle };
  let available = throttle.maximumAvailable;
  let refilledAt = Date.now();
  let nextBulkOutcome: { status: 'FAILED' | 'CANCELED'; errorCode: string | null } | null = null;

  function refill(): number {
    const now = Date.now();
    available = Math.min(
      throttle.maximumAvailable,
      available + ((now - refilledAt) / 1000) * throttle.restoreRate,
    );
    refilledAt = now;
    return available;
  }
  const throttleStatus = () => ({
    maximumAvailable: throttle.maximumAvailable,
    currentlyAvailable: Math.floor(available),
    restoreRate: throttle.restoreRate,
  });

  function connect<T>(
    items: T[],
    args: Args,
    key: (item: T, index: number) => unknown[],
    context: Context,
    view: (item: T) => unknown = (item) => item,
  ) {
    const first = args.first as number | null | undefined;
    const last = args.last as number | null | undefined;
    if (!context.bulk) {
      if (first == null && last == null) throw new GraphQLError('you must provide one of first or last');
      if ((first ?? last ?? 0) > MAX_PAGE_SIZE) {
        throw new GraphQLError(`The connection's page size cannot exceed ${MAX_PAGE_SIZE}.`);
      }
    }
    let keyed = items.map((item, index) => ({ item, key: key(item, index) }));
    if (typeof args.after === 'string') {
      const after = decodeCursor(args.after);
      keyed = keyed.filter((entry) => compareKeys(entry.key, after) > 0);
    }
    if (typeof args.before === 'string') {
      const before = decodeCursor(args.before);
      keyed = keyed.filter((entry) => compareKeys(entry.key, before) < 0);
    }
    const size = context.bulk ? keyed.length : (first ?? last ?? 0);
    const page = last != null && first == null ? keyed.slice(-size) : keyed.slice(0, size);
    const nodes = page.map((entry) => view(entry.item));
    const edges = page.map((entry, index) => ({ node: nodes[index], cursor: encodeCursor(entry.key) }));
    return {
      nodes,
      edges,
      pageInfo: {
        hasNextPage: first != null || context.bulk ? keyed.length > page.length : false,
        hasPreviousPage: typeof args.after === 'string',
        startCursor: edges[0]?.cursor ?? null,
        endCursor: edges.at(-1)?.cursor ?? null,
      },
    };
  }

  const productView = (product: ShopifyTestProduct, context: Context) =>
    graphqlProduct(product, shop, (items, args, key) => connect(items, args, key, context));

  function bulkView(operation: TestBulkOperation) {
    return {
      __typename: 'BulkOperation',
      id: operation.id,
      status: operation.status,
      errorCode: operation.errorCode,
      createdAt: operation.createdAt,
      completedAt: operation.completedAt,
      objectCount: String(operation.objectCount),
      rootObjectCount: String(operation.rootObjectCount),
      fileSize: operation.file === null ? null : String(operation.file.length),
      url:
        operation.status === 'COMPLETED' && operation.file !== null ? options.bulkFileUrl(operation) : null,
      partialDataUrl: null,
      query: operation.query,
      type: 'QUERY',
    };
  }

  const queryRoot = {
    shop: {
      __typename: 'Shop',
      id: 'gid://shopify/Shop/1',
      name: shop.name,
      currencyCode: shop.currency,
      myshopifyDomain: shop.domain,
      primaryDomain: {
        id: 'gid://shopify/Domain/1',
        host: new URL(shop.storefrontUrl).host,
        url: shop.storefrontUrl,
      },
    },
    products: (args: Args, context: Context) => {
      const sorted = sortProducts(
        options.products().filter((product) => matchesSearch(product, args.query as string | undefined)),
        (args.sortKey as string | undefined) ?? 'ID',
      );
      if (args.reverse === true) sorted.reverse();
      return connect(
        sorted,
        args,
        (product) => sortKey(product, (args.sortKey as string | undefined) ?? 'ID'),
        context,
        (product) => productView(product, context),
      );
    },
    productsCount: (args: Args) => {
      const count = options
        .products()
        .filter((product) => matchesSearch(product, args.query as string | undefined)).length;
      const limit = (args.limit as number | null | undefined) ?? null;
      return limit !== null && count > limit
        ? { count: limit, precision: 'AT_LEAST' }
        : { count, precision: 'EXACT' };
    },
    node: (args: Args, context: Context) => {
      const id = String(args.id);
      const operation = operations.find((candidate) => candidate.id === id);
      if (operation !== undefined) return bulkView(operation);
      const product = options.products().find((candidate) => productGid(candidate.id) === id);
      return product === undefined ? null : productView(product, context);
    },
    currentBulkOperation: () => {
      const operation = operations.at(-1);
      return operation === undefined ? null : bulkView(operation);
    },
  };

  const mutationRoot = {
    bulkOperationRunQuery: (args: Args) => {
      const running = operations.find(
        (operation) => operation.status === 'CREATED' || operation.status === 'RUNNING',
      );
      if (running !== undefined) {
        return {
          bulkOperation: null,
          userErrors: [
            {
              code: 'OPERATION_IN_PROGRESS',
              field: null,
              message: `A bulk query operation for this app and shop is already in progress: ${running.id}.`,
            },
          ],
        };
      }
      const query = String(args.query);
      const document = parseAndValidate(query);
      if (!('document' in document)) {
        return {
          bulkOperation: null,
          userErrors: [{ code: 'INVALID', field: ['query'], message: document.messages.join(' ') }],
        };
      }
      const operation: TestBulkOperation = {
        id: `gid://shopify/BulkOperation/${operations.length + 1}`,
        number: operations.length + 1,
        query,
        status: 'CREATED',
        errorCode: null,
        createdAt: new Date().toISOString(),
        completedAt: null,
        file: null,
        objectCount: 0,
        rootObjectCount: 0,
      };
      operations.push(operation);
      const outcome = nextBulkOutcome;
      nextBulkOutcome = null;
      setTimeout(() => {
        operation.status = 'RUNNING';
        setTimeout(() => runBulk(operation, document.document, outcome), options.bulkDelayMs / 2);
      }, options.bulkDelayMs / 2);
      return { bulkOperation: bulkView(operation), userErrors: [] };
    },
    webhookSubscriptionCreate: (args: Args) => {
      const input = args.webhookSubscription as { callbackUrl?: string; format?: string };
      const topic = String(args.topic);
      if (
        webhookSubscriptions.some(
          (existing) => existing.topic === topic && existing.callbackUrl === input.callbackUrl,
        )
      ) {
        return {
          webhookSubscription: null,
          userErrors: [
            {
              field: ['webhookSubscription', 'callbackUrl'],
              message: 'Address for this topic has already been taken',
            },
          ],
        };
      }
      const subscription = {
        id: `gid://shopify/WebhookSubscription/${webhookSubscriptions.length + 1}`,
        topic,
        callbackUrl: String(input.callbackUrl),
        format: input.format ?? 'JSON',
      };
      webhookSubscriptions.push(subscription);
      return {
        webhookSubscription: {
          ...subscription,
          endpoint: { __typename: 'WebhookHttpEndpoint', callbackUrl: subscription.callbackUrl },
        },
        userErrors: [],
      };
    },
  };

  async function runBulk(
    operation: TestBulkOperation,
    document: DocumentNode,
    outcome: { status: 'FAILED' | 'CANCELED'; errorCode: string | null } | null,
  ): Promise<void> {
    if (outcome !== null) {
      operation.status = outcome.status;
      operation.errorCode = outcome.errorCode;
      operation.completedAt = new Date().toISOString();
      return;
    }
    const result = await execute({
      schema,
      document,
      rootValue: queryRoot,
      contextValue: { bulk: true } satisfies Context,
      typeResolver: (value) => (value as { __typename: string }).__typename,
    });
    if (result.errors !== undefined || result.data == null) {
      operation.status = 'FAILED';
      operation.errorCode = 'INTERNAL_SERVER_ERROR';
    } else {
      const rootConnection = Object.values(result.data)[0];
      const groups = isConnection(rootConnection) ? bulkGroups(rootConnection) : [];
      const lines = bulkLines(groups, options.bulkChildrenLag ?? 0);
      operation.rootObjectCount = groups.length;
      operation.objectCount = lines.length;
      operation.file = lines.length === 0 ? null : Buffer.from(`${lines.join('\n')}\n`);
      operation.status = 'COMPLETED';
    }
    operation.completedAt = new Date().toISOString();
  }

  function parseAndValidate(source: string): { document: DocumentNode } | { messages: string[] } {
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (err) {
      const messages = [(err as Error).message];
      validationFailures.push({ document: source, messages });
      return { messages };
    }
    const errors = validate(schema, document);
    if (errors.length > 0) {
      const messages = errors.map((error) => error.message);
      validationFailures.push({ document: source, messages });
      return { messages };
    }
    return { document };
  }

  /** One GraphQL request, answered as Shopify does: HTTP 200 with `errors` and `extensions.cost`. */
  async function answer(body: { query?: unknown; variables?: unknown; operationName?: unknown }) {
    const source = typeof body.query === 'string' ? body.query : '';
    const checked = parseAndValidate(source);
    if (!('document' in checked)) return { errors: checked.messages.map((message) => ({ message })) };
    const operationName = typeof body.operationName === 'string' ? body.operationName : null;
    const operation = getOperationAST(checked.document, operationName);
    if (operation === null || operation === undefined)
      return { errors: [{ message: 'No operation to run' }] };
    const fragments: Record<string, FragmentDefinitionNode> = {};
    for (const definition of checked.document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
    }
    const variables = (body.variables ?? {}) as Record<string, unknown>;
    const context = { schema, fragments, variables };
    const requested = queryCost(operation, context);
    const record: GraphqlRequestRecord = {
      operationName: operation.name?.value ?? null,
      requestedQueryCost: requested,
      actualQueryCost: null,
      throttled: false,
      at: Date.now(),
    };
    requests.push(record);
    if (requested > SINGLE_QUERY_MAX_COST) {
      return {
        errors: [
          {
            message: `Query cost is ${requested}, which exceeds the single query max cost limit (${SINGLE_QUERY_MAX_COST}).`,
            extensions: { code: 'MAX_COST_EXCEEDED', cost: requested, maxCost: SINGLE_QUERY_MAX_COST },
          },
        ],
      };
    }
    if (refill() < requested) {
      record.throttled = true;
      return {
        errors: [
          {
            message: 'Throttled',
            extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/limits' },
          },
        ],
        extensions: {
          cost: { requestedQueryCost: requested, actualQueryCost: null, throttleStatus: throttleStatus() },
        },
      };
    }
    available -= requested;
    const result = await execute({
      schema,
      document: checked.document,
      rootValue: operation.operation === 'mutation' ? mutationRoot : queryRoot,
      contextValue: { bulk: false } satisfies Context,
      variableValues: variables,
      operationName,
      typeResolver: (value) => (value as { __typename: string }).__typename,
    });
    if (result.data === undefined) {
      // Variables that do not fit the document: a request the schema refuses, like a validation error.
      validationFailures.push({
        document: source,
        messages: (result.errors ?? []).map((error) => error.message),
      });
    }
    const actual = result.data == null ? 0 : queryCost(operation, context, result.data);
    record.actualQueryCost = actual;
    available = Math.min(throttle.maximumAvailable, available + requested - actual);
    return {
      ...(result.data === undefined ? {} : { data: result.data }),
      ...(result.errors === undefined ? {} : { errors: result.errors.map((error) => error.toJSON()) }),
      extensions: {
        cost: { requestedQueryCost: requested, actualQueryCost: actual, throttleStatus: throttleStatus() },
      },
    };
  }

  return {
    answer,
    requests: requests as readonly GraphqlRequestRecord[],
    validationFailures: validationFailures as readonly ValidationFailure[],
    operations: operations as readonly TestBulkOperation[],
    webhookSubscriptions: webhookSubscriptions as readonly {
      id: string;
      topic: string;
      callbackUrl: string;
      format: string;
    }[],
    setThrottle(settings: Partial<ThrottleSettings> & { currentlyAvailable?: number }) {
      refill();
      throttle = {
        maximumAvailable: settings.maximumAvailable ?? throttle.maximumAvailable,
        restoreRate: settings.restoreRate ?? throttle.restoreRate,
      };
      available = Math.min(
        throttle.maximumAvailable,
        settings.currentlyAvailable ?? throttle.maximumAvailable,
      );
    },
    failNextBulkOperation(status: 'FAILED' | 'CANCELED', errorCode: string | null = null) {
      nextBulkOutcome = { status, errorCode };
    },
    expireBulkOperations() {
      for (const operation of operations) {
        if (operation.status === 'COMPLETED') {
          operation.status = 'EXPIRED';
          operation.file = null;
        }
      }
    },
  };
}

export type ShopifyTestAdminApi = ReturnType<typeof createShopifyTestAdminApi>;

function isConnection(value: unknown): value is Connection {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    (Array.isArray((value as { nodes?: unknown }).nodes) ||
      Array.isArray((value as { edges?: unknown }).edges))
  );
}

type Connection = { nodes?: unknown[]; edges?: { node: unknown }[] };
const connectionItems = (connection: Connection) =>
  (connection.nodes ?? connection.edges?.map((edge) => edge.node) ?? []) as Record<string, unknown>[];

/**
 * Bulk JSONL for each root node: its own line, then its nested connections' nodes, each
 * on a line with `__parentId`.
 */
function bulkGroups(connection: Connection): string[][] {
  return connectionItems(connection).map((item) => {
    const lines: string[] = [];
    flattenNode(item, null, lines);
    return lines;
  });
}

function flattenNode(item: Record<string, unknown>, parentId: string | null, lines: string[]): void {
  const row: Record<string, unknown> = {};
  const nested: Connection[] = [];
  for (const [key, value] of Object.entries(item)) {
    if (isConnection(value)) nested.push(value);
    else row[key] = value;
  }
  if (parentId !== null) row.__parentId = parentId;
  lines.push(JSON.stringify(row));
  for (const child of nested) {
    for (const node of connectionItems(child)) flattenNode(node, String(item.id), lines);
  }
}

/** The file's lines, each root's children coming `lag` roots after it ("not necessarily directly after"). */
function bulkLines(groups: string[][], lag: number): string[] {
  const lines: string[] = [];
  for (let i = 0; i < groups.length + lag; i++) {
    const root = groups[i];
    if (root !== undefined) lines.push(root[0] as string);
    const lagging = groups[i - lag];
    if (lagging !== undefined) lines.push(...lagging.slice(1));
  }
  return lines;
}

const encodeCursor = (key: unknown[]) => Buffer.from(JSON.stringify(key)).toString('base64url');
function decodeCursor(cursor: string): unknown[] {
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(key)) return key;
  } catch {
    // Answered below like Shopify answers a cursor it did not issue.
  }
  throw new GraphQLError('Invalid cursor for current pagination sort.');
}

function compareKeys(a: unknown[], b: unknown[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] as string | number;
    const y = b[i] as string | number;
    if (x < y) return -1;
    if (x > y) return 1;
  }
  return 0;
}

function sortKey(product: ShopifyTestProduct, key: string): unknown[] {
  if (key === 'UPDATED_AT') return [product.updatedAt, product.id];
  if (key === 'TITLE') return [product.title, product.id];
  if (key === 'CREATED_AT') return [product.createdAt, product.id];
  return [product.id];
}

function sortProducts(products: ShopifyTestProduct[], key: string): ShopifyTestProduct[] {
  return products
    .map((product) => ({ product, key: sortKey(product, key) }))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((entry) => entry.product);
}

const SEARCH_TERM = /(\w+):(>=|<=|>|<)?(?:'([^']*)'|"([^"]*)"|([^\s)]+))/g;

/** The part of Shopify's product search syntax the sync uses: updated_at/created_at ranges and status. */
function matchesSearch(product: ShopifyTestProduct, query: string | undefined): boolean {
  if (query === undefined || query === null) return true;
  for (const match of query.matchAll(SEARCH_TERM)) {
    const [, field, operator = ':', quoted, doubleQuoted, bare] = match;
    const value = quoted ?? doubleQuoted ?? bare ?? '';
    if (field === 'updated_at' || field === 'created_at') {
      // Shopify compares these at whole seconds.
      const at = Math.floor(
        Date.parse(field === 'updated_at' ? product.updatedAt : product.createdAt) / 1000,
      );
      const bound = Math.floor(Date.parse(value) / 1000);
      if (Number.isNaN(bound)) continue;
      const ok =
        operator === '>'
          ? at > bound
          : operator === '>='
            ? at >= bound
            : operator === '<'
              ? at < bound
              : operator === '<='
                ? at <= bound
                : at === bound;
      if (!ok) return false;
    } else if (field === 'status') {
      if (!value.split(',').some((status) => status.trim().toUpperCase() === product.status)) return false;
    }
  }
  return true;
}
