import { randomUUID } from 'node:crypto';
import { loadConfig } from '@nlyzer/service-kit';
import { createRgbHistogramEmbedder, decodeImage } from '@nlyzer/vision';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { productPhoto } from '../../../test/catalog-fixtures.ts';
import {
  eventually,
  SETUP_TIMEOUT_MS,
  startTestSearch,
  type TestSearch,
} from '../../../test/search-harness.ts';
import { searchConfigSchema } from '../../config.ts';
import { createEmbedderRegistry } from '../../indexes/embedder-registry.ts';
import { createProductIndex } from '../../indexes/product-index.ts';
import { upsertCatalogProducts } from '../catalog/catalog-writes.ts';
import { readSettings, setEmbedder } from '../store-settings/settings-store.ts';
import { CATALOG_DECODE } from './image-analysis.ts';
import { reindexStore } from './reindex-store.ts';

describe('re-indexing a store with another embedder', () => {
  let t: TestSearch;
  // The second embedder stands in for ONNX: a different id and dimension, and it runs on the main thread.
  const other = createRgbHistogramEmbedder();
  beforeAll(async () => {
    const config = loadConfig(searchConfigSchema, { NODE_ENV: 'test', NLYZER_DATA_DIR: 'memory://' });
    t = await startTestSearch({
      parts: { embedders: createEmbedderRegistry(config, { onnx: async () => other }) },
    });
  }, SETUP_TIMEOUT_MS);
  afterAll(() => t?.close());

  it('re-embeds every product with the new embedder as one run, and queries use it', async () => {
    const storeId = randomUUID();
    const products = await Promise.all(
      [0, 1, 2, 3].map(async (i) => ({
        externalId: `r-${i}`,
        title: `R ${i}`,
        images: [{ data: await productPhoto(i) }],
      })),
    );
    await upsertCatalogProducts(t.context, storeId, products, { source: 'api' });
    const embedders = () =>
      t.search.withStore(storeId, (trx) =>
        trx
          .selectFrom('search.product_vectors')
          .select(['embedder', 'embedder_version'])
          .distinct()
          .execute(),
      );
    await eventually(async () => {
      const rows = await t.search.withStore(storeId, (trx) =>
        trx
          .selectFrom('search.products')
          .select('index_state')
          .where('index_state', '=', 'indexed')
          .execute(),
      );
      return rows.length === 4 ? true : undefined;
    }, 'the first indexing');
    const descriptor = await t.context.embedders.embedder('descriptor');
    expect(await embedders()).toEqual([{ embedder: descriptor.id, embedder_version: descriptor.version }]);

    await t.search.withStore(storeId, (trx) => setEmbedder(trx, storeId, 'onnx'));
    const { runId, queued } = await reindexStore(t.context, storeId);
    expect(queued).toBe(4);
    const run = await eventually(
      () =>
        t.search.withStore(storeId, (trx) =>
          trx
            .selectFrom('search.indexing_runs')
            .selectAll()
            .where('run_id', '=', runId)
            .where('finished_at', 'is not', null)
            .executeTakeFirst(),
        ),
      'the re-index run',
    );
    expect(run).toMatchObject({ source: 'reindex', total: 4, indexed: 4, failed: 0 });
    expect(await embedders()).toEqual([{ embedder: other.id, embedder_version: other.version }]);
    const states = await t.search.withStore(storeId, (trx) =>
      trx.selectFrom('search.products').select(['index_state', 'indexed_embedder']).distinct().execute(),
    );
    expect(states).toEqual([{ index_state: 'indexed', indexed_embedder: `${other.id}-${other.version}` }]);

    const version = await t.search.withStore(
      storeId,
      async (trx) => (await readSettings(trx, storeId)).catalogVersion,
    );
    const query = await other.embed(await decodeImage(await productPhoto(2), CATALOG_DECODE));
    const matches = await createProductIndex(t.context).query(storeId, other, version, query, { topK: 4 });
    expect(matches).toHaveLength(4);
    const r2 = await t.search.withStore(storeId, (trx) =>
      trx
        .selectFrom('search.products')
        .select('product_id')
        .where('external_id', '=', 'r-2')
        .executeTakeFirstOrThrow(),
    );
    expect(matches[0]?.metadata.productId).toBe(r2.product_id);
  });
});
