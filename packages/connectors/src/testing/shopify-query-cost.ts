import {
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLField,
  type GraphQLSchema,
  getArgumentValues,
  getNamedType,
  isCompositeType,
  isInterfaceType,
  isLeafType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionNode,
} from 'graphql';

/** What Shopify charges a mutation, whatever it selects. */
const MUTATION_COST = 10;

interface CostContext {
  schema: GraphQLSchema;
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/**
 * Shopify's calculated query cost (shopify.dev, "GraphQL Admin API rate limits"): scalars
 * and enums cost 0, an object 1, a connection 2 plus its page size times the cost of one
 * node, a mutation 10. With `data` the same walk prices what was actually returned (the
 * actual cost, refunded against the requested one).
 */
export function queryCost(
  operation: OperationDefinitionNode,
  context: CostContext,
  data?: Record<string, unknown> | null,
): number {
  if (operation.operation === 'mutation') {
    return (
      operation.selectionSet.selections.filter((selection) => selection.kind === Kind.FIELD).length *
      MUTATION_COST
    );
  }
  const root = context.schema.getQueryType();
  if (root === null || root === undefined) return 0;
  return selectionCost(
    root,
    operation.selectionSet.selections,
    context,
    data === undefined ? undefined : (data ?? {}),
  );
}

type Data = Record<string, unknown> | undefined;

function selectionCost(
  type: GraphQLCompositeType,
  selections: readonly SelectionNode[],
  context: CostContext,
  data: Data,
): number {
  let total = 0;
  for (const selection of selections) {
    if (selection.kind === Kind.FIELD) total += fieldCost(type, selection, context, data);
    else {
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT ? selection : context.fragments[selection.name.value];
      if (fragment === undefined) continue;
      const condition = fragment.typeCondition
        ? context.schema.getType(fragment.typeCondition.name.value)
        : type;
      if (condition === undefined || condition === null || !isCompositeType(condition)) continue;
      total += selectionCost(condition, fragment.selectionSet.selections, context, data);
    }
  }
  return total;
}

function fieldCost(type: GraphQLCompositeType, node: FieldNode, context: CostContext, data: Data): number {
  if (!isObjectType(type) && !isInterfaceType(type)) return 0;
  const definition = type.getFields()[node.name.value] as GraphQLField<unknown, unknown> | undefined;
  if (definition === undefined) return 0;
  const named = getNamedType(definition.type);
  if (isLeafType(named) || !isCompositeType(named) || node.selectionSet === undefined) return 0;
  const value = data === undefined ? undefined : (data[node.alias?.value ?? node.name.value] as unknown);
  if (data !== undefined && (value === null || value === undefined)) return 0;
  const children = node.selectionSet.selections;

  const nodeType = connectionNodeType(named);
  if (nodeType !== null) {
    const itemSelections = connectionItemSelections(children);
    const itemCost = (item: Data) => 1 + selectionCost(nodeType, itemSelections, context, item);
    if (data !== undefined) {
      const connection = value as { nodes?: Data[]; edges?: { node: Data }[] };
      const items = connection.nodes ?? connection.edges?.map((edge) => edge.node) ?? [];
      return items.reduce((sum: number, item) => sum + itemCost(item ?? {}), 2);
    }
    const args = getArgumentValues(definition, node, context.variables) as { first?: number; last?: number };
    return 2 + (args.first ?? args.last ?? 0) * itemCost(undefined);
  }
  const child = Array.isArray(value) ? (value[0] as Data) : (value as Data);
  return 1 + selectionCost(named, children, context, data === undefined ? undefined : (child ?? {}));
}

/** The type of a connection's nodes (`XConnection.edges.node`), or null when `type` is no connection. */
function connectionNodeType(type: GraphQLCompositeType): GraphQLCompositeType | null {
  if (!isObjectType(type) || !type.name.endsWith('Connection')) return null;
  const edge = getNamedType(type.getFields().edges?.type);
  if (edge === undefined || !isObjectType(edge)) return null;
  const nodeType = getNamedType(edge.getFields().node?.type);
  return nodeType !== undefined && isCompositeType(nodeType) ? nodeType : null;
}

/** The selections applied to each node of a connection: under `nodes`, or under `edges { node }`. */
function connectionItemSelections(selections: readonly SelectionNode[]): SelectionNode[] {
  const items: SelectionNode[] = [];
  for (const selection of selections) {
    if (selection.kind !== Kind.FIELD || selection.selectionSet === undefined) continue;
    if (selection.name.value === 'nodes') items.push(...selection.selectionSet.selections);
    if (selection.name.value === 'edges') {
      for (const edgeField of selection.selectionSet.selections) {
        if (edgeField.kind === Kind.FIELD && edgeField.name.value === 'node' && edgeField.selectionSet) {
          items.push(...edgeField.selectionSet.selections);
        }
      }
    }
  }
  return items;
}
