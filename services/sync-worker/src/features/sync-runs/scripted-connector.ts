// A CatalogConnector over an in-memory catalog, for the sync-run tests and the engine
// benchmark: the connector interface is the seam, the real connectors have their own tests.
import type { CatalogConnector, FetchOptions, ProductPage, SourceProduct } from '@nlyzer/connectors';

/** What a scripted connector serves: the catalog as it is now, in pages, with optional faults. */
export interface ScriptedCatalog {
  products: SourceProduct[];
  deleted?: string[];
  pageSize: number;
  /** Called before page `index` (0-based) is yielded; may throw or wait. */
  beforePage?: (index: number, options: FetchOptions) => Promise<void> | void;
  /** Extra rejected entries on the first page. */
  rejected?: ProductPage['rejected'];
  /** Report the total (like most platforms). */
  reportTotal?: boolean;
}

/**
 * A CatalogConnector over an in-memory catalog: stable order by external id, cursors are
 * page offsets, incremental fetches filter on updatedAt >= since. Records every fetch and close.
 */
export function scriptedConnector(
  script: ScriptedCatalog,
): CatalogConnector & { fetches: FetchOptions[]; closed: number } {
  const fetches: FetchOptions[] = [];
  return {
    platform: 'custom',
    fetches,
    closed: 0,
    async close() {
      this.closed++;
    },
    async verify() {
      return { storefrontUrl: null, name: null, currency: null };
    },
    async *fetchProducts(options) {
      fetches.push(options);
      const matching = script.products.filter(
        (p) =>
          options.mode === 'full' ||
          options.since === null ||
          p.updatedAt === null ||
          new Date(p.updatedAt) >= options.since,
      );
      const first = options.cursor === null ? 0 : Number(options.cursor);
      for (
        let start = first;
        start < matching.length || (start === 0 && matching.length === 0);
        start += script.pageSize
      ) {
        const index = start / script.pageSize;
        await script.beforePage?.(index, options);
        const end = start + script.pageSize;
        yield {
          products: matching.slice(start, end),
          rejected: index === 0 ? (script.rejected ?? []) : [],
          deleted: index === 0 ? (script.deleted ?? []).map((externalId) => ({ externalId })) : [],
          cursor: end >= matching.length ? null : String(end),
          total: script.reportTotal === false ? null : matching.length,
        };
        if (matching.length === 0) break;
      }
    },
  };
}

export function sourceProduct(n: number, overrides: Partial<SourceProduct> = {}): SourceProduct {
  const id = `p${String(n).padStart(5, '0')}`;
  return {
    externalId: id,
    title: `Product ${n}`,
    description: `Description of product ${n}`,
    url: `https://shop.test/products/${id}`,
    price: { amountMinor: 1000 + n, currency: 'EUR' },
    availability: 'in_stock',
    categories: ['Dresses'],
    tags: [],
    images: [],
    variants: [],
    updatedAt: new Date(Date.UTC(2026, 10, 1) + n * 1000).toISOString(),
    ...overrides,
  };
}
