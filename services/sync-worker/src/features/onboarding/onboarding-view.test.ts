import type { SyncRunView } from '@nlyzer/contracts';
import { describe, expect, it } from 'vitest';
import type { OnboardingTable } from '../../catalog-tables.ts';
import { onboardingView } from './onboarding-view.ts';

const at = (s: number) => new Date(Date.UTC(2026, 10, 22, 3, 0, s));

function row(fields: Partial<Record<keyof OnboardingTable, unknown>>) {
  return {
    store_id: 'a7a3c6a4-4f27-4d52-9e53-0a1f6d0d2b11',
    platform: 'shopify',
    platform_at: null,
    connected_at: null,
    initial_run_id: null,
    imported_at: null,
    indexed_at: null,
    quality_at: null,
    catalog_indexed_published_at: null,
    widget_key_at: null,
    completed_at: null,
    products_indexed: null,
    products_failed: null,
    products_without_images: null,
    ...fields,
  } as Parameters<typeof onboardingView>[0];
}

function run(fields: {
  phase: SyncRunView['phase'];
  seen: number;
  expected: number | null;
  indexed?: number;
  total?: number;
}): SyncRunView {
  return {
    id: '3b0e7a52-8a4a-4e58-a6a1-41b0f6a4c0aa',
    trigger: 'onboarding',
    mode: 'full',
    state: fields.phase === 'done' ? 'succeeded' : 'running',
    phase: fields.phase,
    expected: fields.expected,
    counts: {
      seen: fields.seen,
      added: 0,
      updated: 0,
      unchanged: 0,
      deleted: 0,
      failed: 0,
      images_fetched: 0,
      images_failed: 0,
    },
    error_rate: 0,
    indexing: { indexed: fields.indexed ?? 0, failed: 0, total: fields.total ?? 0 },
    attempts: 1,
    error: null,
    queued_at: at(0).toISOString(),
    started_at: null,
    finished_at: null,
    duration_ms: null,
  };
}

describe('onboarding view', () => {
  it('starts at the platform stage with nothing done', () => {
    expect(onboardingView(undefined, null, null)).toMatchObject({
      stage: 'platform',
      percent: 0,
      platform: null,
    });
  });

  it('moves the import from 10 to 50 by products seen against expected', () => {
    const view = onboardingView(
      row({ platform_at: at(0), connected_at: at(1) }),
      run({ phase: 'fetching', seen: 500, expected: 1000 }),
      null,
    );
    expect(view).toMatchObject({ stage: 'import', percent: 30 });
    expect(
      onboardingView(
        row({ platform_at: at(0), connected_at: at(1) }),
        run({ phase: 'fetching', seen: 5, expected: null }),
        null,
      ).percent,
    ).toBe(10);
  });

  it('moves the indexing from 50 to 90 by products indexed', () => {
    const view = onboardingView(
      row({ platform_at: at(0), connected_at: at(1) }),
      run({ phase: 'indexing', seen: 1000, expected: 1000, indexed: 250, total: 1000 }),
      null,
    );
    expect(view).toMatchObject({ stage: 'indexing', percent: 60 });
  });

  it('waits for the snippet at 95, and completes at 100 with its duration', () => {
    const indexed = {
      platform_at: at(0),
      connected_at: at(10),
      imported_at: at(20),
      indexed_at: at(30),
      quality_at: at(30),
    };
    expect(onboardingView(row(indexed), null, null)).toMatchObject({
      stage: 'snippet',
      percent: 95,
      widget_key_ready: false,
    });
    const done = onboardingView(row({ ...indexed, widget_key_at: at(40), completed_at: at(40) }), null, null);
    expect(done).toMatchObject({ stage: 'completed', percent: 100, widget_key_ready: true, duration_s: 30 });
    expect(done.started_at).toBe(at(0).toISOString());
  });
});
