import { randomUUID } from 'node:crypto';
import { catalogProductId } from '@nlyzer/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ImageStatus } from '../../catalog-tables.ts';
import { type SyncRunsSetup, startSyncRuns } from '../sync-runs/sync-runs-test-setup.ts';
import { recomputeQualityReport } from './quality-report.ts';

let setup: SyncRunsSetup;

beforeAll(async () => {
  setup = await startSyncRuns();
}, 120_000);

afterAll(async () => {
  await setup?.close();
});

interface CraftedImage {
  status: ImageStatus;
  sha256?: string;
  width?: number;
  height?: number;
}

async function craft(
  storeId: string,
  products: { id: string; price?: number | null; categories?: string[]; images?: CraftedImage[] }[],
) {
  await setup.catalog.withStore(storeId, async (trx) => {
    await trx
      .insertInto('catalog.products')
      .values(
        products.map((p) => ({
          store_id: storeId,
          product_id: catalogProductId(storeId, p.id),
          external_id: p.id,
          content_hash: 'x'.repeat(64),
          title: p.id,
          price_minor: p.price === undefined ? 100 : p.price,
          currency: p.price === null ? null : 'EUR',
          availability: 'in_stock',
          categories: p.categories ?? ['Shoes'],
        })),
      )
      .execute();
    const images = products.flatMap((p) =>
      (p.images ?? []).map((image, position) => ({
        store_id: storeId,
        product_id: catalogProductId(storeId, p.id),
        position,
        url: `https://cdn.test/${p.id}/${position}.jpg`,
        status: image.status,
        sha256: image.status === 'ok' ? (image.sha256 ?? `${p.id}-${position}`.padEnd(64, '0')) : null,
        width: image.status === 'ok' ? (image.width ?? 1000) : null,
        height: image.status === 'ok' ? (image.height ?? 1000) : null,
      })),
    );
    if (images.length > 0) await trx.insertInto('catalog.product_images').values(images).execute();
  });
}

describe('the quality report', () => {
  it('counts each issue per product, with examples and the share of clean products', async () => {
    const storeId = randomUUID();
    const ok: CraftedImage = { status: 'ok' };
    const shared = 'f'.repeat(64);
    await craft(storeId, [
      { id: 'clean-1', images: [ok] },
      { id: 'clean-2', images: [ok, ok] },
      { id: 'no-images' },
      { id: 'only-broken', images: [{ status: 'broken' }, { status: 'not_image' }] },
      { id: 'one-broken', images: [ok, { status: 'refused' }] },
      { id: 'small', images: [{ status: 'ok', width: 499, height: 2000 }] },
      { id: 'dup-a', images: [{ status: 'ok', sha256: shared }] },
      { id: 'dup-b', images: [ok, { status: 'ok', sha256: shared }] },
      { id: 'no-price', price: null, images: [ok] },
      { id: 'no-category', categories: [], images: [ok] },
      { id: 'pending', images: [{ status: 'pending' }] },
    ]);
    const report = await setup.catalog.withStore(storeId, (trx) =>
      recomputeQualityReport(trx, storeId, null),
    );
    const issues = Object.fromEntries(report.issues.map((i) => [i.issue, i]));
    expect(report.products).toBe(11);
    expect(report.score).toBeCloseTo(2 / 11);
    expect(issues.missing_images).toEqual({
      issue: 'missing_images',
      products: 3,
      examples: ['no-images', 'only-broken', 'pending'],
    });
    expect(issues.broken_image_urls?.examples).toEqual(['one-broken', 'only-broken']);
    expect(issues.low_resolution_images?.examples).toEqual(['small']);
    expect(issues.duplicate_images?.examples).toEqual(['dup-a', 'dup-b']);
    expect(issues.missing_prices?.examples).toEqual(['no-price']);
    expect(issues.missing_categories?.examples).toEqual(['no-category']);
  });

  it('keeps at most 20 examples and computes over thousands of products in the database', async () => {
    const storeId = randomUUID();
    await craft(
      storeId,
      Array.from({ length: 3000 }, (_, i) => ({
        id: `p${String(i).padStart(5, '0')}`,
        price: i % 3 === 0 ? null : 100,
      })),
    );
    const report = await setup.catalog.withStore(storeId, (trx) =>
      recomputeQualityReport(trx, storeId, null),
    );
    const missingPrices = report.issues.find((i) => i.issue === 'missing_prices')!;
    expect(missingPrices.products).toBe(1000);
    expect(missingPrices.examples).toHaveLength(20);
    expect(missingPrices.examples[0]).toBe('p00000');
    expect(report.score).toBe(0);
  });

  it('is served once a run has computed it, and only to the store', async () => {
    const storeId = randomUUID();
    const headers = await setup.merchant(storeId, 'analyst');
    const before = await setup.app.inject({ method: 'GET', url: '/v1/quality-report', headers });
    expect(before.statusCode).toBe(404);
    expect(before.headers['content-type']).toMatch(/^application\/problem\+json/);

    await craft(storeId, [{ id: 'a', images: [{ status: 'ok' }] }, { id: 'b' }]);
    const runId = randomUUID();
    await setup.catalog.withStore(storeId, (trx) => recomputeQualityReport(trx, storeId, runId));
    const after = await setup.app.inject({ method: 'GET', url: '/v1/quality-report', headers });
    expect(after.statusCode).toBe(200);
    expect(after.json()).toMatchObject({ products: 2, score: 0.5, run_id: runId });

    const agent = await setup.merchant(storeId, 'agent');
    expect(
      (await setup.app.inject({ method: 'GET', url: '/v1/quality-report', headers: agent })).statusCode,
    ).toBe(403);
    const stranger = await setup.merchant(randomUUID(), 'owner');
    expect(
      (await setup.app.inject({ method: 'GET', url: '/v1/quality-report', headers: stranger })).statusCode,
    ).toBe(404);
  });
});
