import path from 'node:path';
import { createInProcessBus, createOutbox } from '@nlyzer/bus';
import { findDemoStoreId } from '@nlyzer/gateway';
import { demoCatalogFiles, demoCatalogProducts, upsertCatalogProducts } from '@nlyzer/search';
import type { Env } from '@nlyzer/service-kit';
import { loadCommandConfig } from '../runtime/cli-config.ts';
import { CliError } from '../runtime/cli-error.ts';
import { openCommandDatabase } from '../runtime/command-database.ts';
import { type CommandIo, createItemProgress, writeLine } from '../runtime/console-output.ts';

export interface SeedCatalogOptions {
  products: string;
  seed?: string;
  out?: string;
  shopperPhotos?: string;
  /** commander's --no-load */
  load: boolean;
  store?: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function count(value: string | undefined, name: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > max)
    throw new CliError('invalid_arguments', `${name} must be an integer 0..${max}`);
  return n;
}

/**
 * `nlyzer seed catalog --products N`: renders a generated catalog (product photos,
 * ground truth, optional shopper photos for evaluation) into a folder, then loads it into
 * a store through the catalog API's own code. The products land in the indexing queue;
 * the running platform's worker embeds them (watch GET /v1/catalog/indexing).
 */
export async function seedCatalogCommand(
  options: SeedCatalogOptions,
  env: Env,
  io: CommandIo,
): Promise<number> {
  const config = loadCommandConfig(env);
  const products = count(options.products, '--products', 100, 100_000);
  if (products < 1) throw new CliError('invalid_arguments', '--products must be at least 1');
  const seed = count(options.seed, '--seed', 1, 2 ** 31 - 1);
  const shopperPhotosPerProduct = count(options.shopperPhotos, '--shopper-photos', 0, 20);
  if (options.store !== undefined && !UUID.test(options.store)) {
    throw new CliError('invalid_arguments', '--store must be a store id (uuid)');
  }

  const render = createItemProgress(products, io.stderr);
  const files = await demoCatalogFiles(options.out ?? path.resolve(config.NLYZER_DATA_DIR, 'demo-catalog'), {
    products,
    seed,
    shopperPhotosPerProduct,
    onProgress: () => render.tick(),
  });
  render.finish();
  writeLine(io.stdout, `catalog: ${products} products in ${files.dir} (ground truth: catalog.json)`);
  if (!options.load) return 0;

  const { db, source } = await openCommandDatabase(config);
  try {
    const storeId = options.store ?? (await findDemoStoreId(db));
    if (storeId === undefined) {
      throw new CliError(
        'no_store',
        'no demo store on this database: pass --store <id>, or run `npm start` once',
      );
    }
    // The running platform's relay publishes what this writes; this process has no subscribers.
    const outbox = createOutbox({ db, bus: createInProcessBus(), source: 'search', writeOnly: true });
    const load = createItemProgress(products, io.stderr);
    let queued = 0;
    for await (const batch of demoCatalogProducts(files)) {
      queued += (await upsertCatalogProducts({ outbox }, storeId, batch, { source: 'api' })).queued;
      for (const _ of batch) load.tick();
    }
    load.finish();
    writeLine(
      io.stdout,
      `loaded into store ${storeId} (${source}): ${queued} products queued for indexing, ${products - queued} unchanged`,
    );
    return 0;
  } finally {
    await db.close();
  }
}
