import { randomUUID } from 'node:crypto';
import { catalogProductId } from '@nlyzer/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SyncRunsSetup,
  scriptedConnector,
  sourceProduct,
  startSyncRuns,
} from './sync-runs-test-setup.ts';

let setup: SyncRunsSetup;

beforeAll(async () => {
  setup = await startSyncRuns();
}, 120_000);

afterAll(async () => {
  await setup?.close();
});

function newStore(productCount = 3, gate?: Promise<void>) {
  const storeId = randomUUID();
  setup.connectors.set(
    storeId,
    scriptedConnector({
      products: Array.from({ length: productCount }, (_, i) => sourceProduct(i)),
      pageSize: 50,
      beforePage: () => gate,
    }),
  );
  return storeId;
}

/** A promise the scripted connector waits on before each page, and its release. */
function gate(): { promise: Promise<void>; open(): void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const problem = (response: { headers: Record<string, unknown>; json(): unknown }) => {
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  return response.json() as { code: string; errors?: { path: string }[] };
};

describe('the sync run API', () => {
  it('starts a run ("sync now"), returns the active one while it runs, and shows it', async () => {
    const held = gate();
    const storeId = newStore(3, held.promise);
    const headers = await setup.merchant(storeId, 'admin');

    const refused = await setup.app.inject({ method: 'POST', url: '/v1/sync/runs', headers, payload: {} });
    expect(refused.statusCode).toBe(409);
    expect(problem(refused).code).toBe('conflict');

    await setup.connect(storeId);
    const started = await setup.app.inject({
      method: 'POST',
      url: '/v1/sync/runs',
      headers,
      payload: { mode: 'full' },
    });
    expect(started.statusCode).toBe(202);
    const run = started.json();
    expect(run).toMatchObject({ trigger: 'manual', mode: 'full', counts: { seen: 0 }, error: null });

    // The connector holds the run before its first page: a second "sync now" gets the same run.
    const again = await setup.app.inject({ method: 'POST', url: '/v1/sync/runs', headers, payload: {} });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ id: run.id, mode: 'full' });
    held.open();

    const done = await setup.waitForRun(storeId, run.id);
    const shown = await setup.app.inject({ method: 'GET', url: `/v1/sync/runs/${run.id}`, headers });
    expect(shown.statusCode).toBe(200);
    expect(shown.json()).toMatchObject({
      id: run.id,
      state: 'succeeded',
      phase: 'done',
      counts: { seen: 3, added: 3, failed: 0 },
      error_rate: 0,
      expected: 3,
    });
    expect(shown.json().duration_ms).toBe(done.finished_at!.getTime() - done.started_at!.getTime());
  });

  it('lists runs newest first with a keyset cursor', async () => {
    const storeId = newStore(1);
    await setup.connect(storeId);
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const id = await setup.queue(storeId, 'incremental');
      await setup.waitForRun(storeId, id);
      ids.push(id);
    }
    const headers = await setup.merchant(storeId, 'analyst');
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor === null ? '?limit=2' : `?limit=2&cursor=${cursor}`;
      const page = await setup.app.inject({ method: 'GET', url: `/v1/sync/runs${query}`, headers });
      expect(page.statusCode).toBe(200);
      const body = page.json() as { runs: { id: string }[]; next_cursor: string | null };
      expect(body.runs.length).toBeLessThanOrEqual(2);
      seen.push(...body.runs.map((r) => r.id));
      cursor = body.next_cursor;
    } while (cursor !== null);
    expect(seen).toEqual([...ids].reverse());
  });

  it('keeps stores apart and refuses bad input and missing roles with problems', async () => {
    const storeId = newStore(1);
    await setup.connect(storeId);
    const runId = await setup.queue(storeId, 'full');
    await setup.waitForRun(storeId, runId);

    const stranger = await setup.merchant(randomUUID(), 'owner');
    for (const url of [`/v1/sync/runs/${runId}`, `/v1/sync/runs/${runId}/log`]) {
      const response = await setup.app.inject({ method: 'GET', url, headers: stranger });
      expect(response.statusCode).toBe(404);
      expect(problem(response).code).toBe('not_found');
    }

    const owner = await setup.merchant(storeId, 'owner');
    const cases = [
      { method: 'GET' as const, url: '/v1/sync/runs/not-a-uuid' },
      { method: 'GET' as const, url: '/v1/sync/runs?limit=0' },
      { method: 'GET' as const, url: '/v1/sync/runs?cursor=bm90LWEtY3Vyc29y' },
      { method: 'GET' as const, url: `/v1/sync/runs/${runId}/log?cursor=abc` },
      { method: 'POST' as const, url: '/v1/sync/runs', payload: { mode: 'everything' } },
      { method: 'POST' as const, url: '/v1/sync/runs', payload: { mode: 'full', extra: 1 } },
    ];
    for (const { method, url, payload } of cases) {
      const response = await setup.app.inject({ method, url, headers: owner, payload });
      expect(response.statusCode, url).toBe(400);
      expect(problem(response).code).toBe('validation_failed');
    }

    const analyst = await setup.merchant(storeId, 'analyst');
    const forbidden = await setup.app.inject({
      method: 'POST',
      url: '/v1/sync/runs',
      headers: analyst,
      payload: {},
    });
    expect(forbidden.statusCode).toBe(403);
    const anonymous = await setup.app.inject({ method: 'GET', url: '/v1/sync/runs' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('pages through a run log', async () => {
    const storeId = randomUUID();
    setup.connectors.set(
      storeId,
      scriptedConnector({
        products: [
          ...Array.from({ length: 200 }, (_, i) => sourceProduct(i)),
          ...Array.from({ length: 5 }, (_, i) => sourceProduct(300 + i, { title: '  ' })),
        ],
        pageSize: 100,
      }),
    );
    await setup.connect(storeId);
    const runId = await setup.queue(storeId, 'full');
    await setup.waitForRun(storeId, runId);
    const headers = await setup.merchant(storeId, 'analyst');
    const first = await setup.app.inject({
      method: 'GET',
      url: `/v1/sync/runs/${runId}/log?limit=3`,
      headers,
    });
    const second = await setup.app.inject({
      method: 'GET',
      url: `/v1/sync/runs/${runId}/log?limit=3&cursor=${first.json().next_cursor}`,
      headers,
    });
    expect(second.json().next_cursor).toBeNull();
    expect(
      [...first.json().entries, ...second.json().entries].map((e: { external_id: string }) => e.external_id),
    ).toEqual(['p00300', 'p00301', 'p00302', 'p00303', 'p00304']);
  });
});

describe('the scheduled tick', () => {
  it('queues a run for due, enabled, connected stores only, and not twice', async () => {
    const now = new Date();
    const past = new Date(now.getTime() - 60_000);
    const future = new Date(now.getTime() + 3600_000);
    const due = newStore();
    const stores = {
      due,
      later: newStore(),
      disabled: newStore(),
      disconnected: newStore(),
      never: newStore(),
    };
    await setup.connect(stores.due, { next_sync_at: past });
    await setup.connect(stores.later, { next_sync_at: future });
    await setup.connect(stores.disabled, { next_sync_at: past, sync_enabled: false });
    await setup.connect(stores.disconnected, { next_sync_at: past, state: 'disconnected' });
    await setup.connect(stores.never, { next_sync_at: null });

    expect(await setup.syncRuns.tick(now)).toBe(1);
    expect(await setup.syncRuns.tick(now)).toBe(0);
    for (const [name, storeId] of Object.entries(stores)) {
      const runs = await setup.catalog.withStore(storeId, (trx) =>
        trx.selectFrom('catalog.sync_runs').selectAll().execute(),
      );
      expect(runs.length, name).toBe(name === 'due' ? 1 : 0);
    }
    // No full sync yet: the scheduled one is full, and the next incremental ones start from its mark.
    const [run] = await setup.catalog.withStore(due, (trx) =>
      trx.selectFrom('catalog.sync_runs').selectAll().execute(),
    );
    expect(run).toMatchObject({ trigger: 'schedule', mode: 'full' });
    await setup.waitForRun(due, run!.id);
    const connection = await setup.catalog.withStore(due, (trx) =>
      trx.selectFrom('catalog.connections').selectAll().executeTakeFirstOrThrow(),
    );
    expect(connection.next_sync_at!.getTime()).toBeGreaterThan(now.getTime() + 59 * 60_000);
    expect(connection.last_synced_at).not.toBeNull();
    expect(connection.synced_through?.toISOString()).toBe('2026-11-01T00:00:02.000Z');

    await setup.catalog.withStore(due, (trx) =>
      trx.updateTable('catalog.connections').set({ next_sync_at: past }).execute(),
    );
    expect(await setup.syncRuns.tick(now)).toBe(1);
    const runs = await setup.catalog.withStore(due, (trx) =>
      trx.selectFrom('catalog.sync_runs').select('mode').orderBy('queued_at').execute(),
    );
    expect(runs.map((r) => r.mode)).toEqual(['full', 'incremental']);
  });
});

describe('webhook changes', () => {
  it('upserts and deletes outside a run, and an uninstall disconnects the store', async () => {
    const held = gate();
    const storeId = newStore(3, held.promise);
    await setup.connect(storeId, { next_sync_at: new Date(Date.now() + 3600_000) });
    held.open();
    await setup.waitForRun(storeId, await setup.queue(storeId, 'full'));

    await setup.syncRuns.applyWebhookChanges(storeId, [
      { kind: 'upsert', product: sourceProduct(1, { title: 'Changed by webhook' }) },
      { kind: 'upsert', product: sourceProduct(9) },
      { kind: 'delete', deletion: { externalId: 'p00002' } },
      { kind: 'ignored', reason: 'ping' },
    ]);
    const events = (await setup.eventsOf('catalog.products_changed')).filter(
      (e) => e.store_id === storeId && e.payload.run_id === null,
    );
    expect(events.flatMap((e) => e.payload.upserted.map((u) => u.external_id))).toEqual(['p00001', 'p00009']);
    expect(events.flatMap((e) => e.payload.deleted)).toEqual([catalogProductId(storeId, 'p00002')]);
    const rows = await setup.catalog.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.products').select(['external_id', 'title']).orderBy('external_id').execute(),
    );
    expect(rows).toEqual([
      { external_id: 'p00000', title: 'Product 0' },
      { external_id: 'p00001', title: 'Changed by webhook' },
      { external_id: 'p00009', title: 'Product 9' },
    ]);

    // A run is in progress (its connector holds it before the first page) when the app is uninstalled.
    const holding = gate();
    setup.connectors.set(
      storeId,
      scriptedConnector({ products: [sourceProduct(0)], pageSize: 10, beforePage: () => holding.promise }),
    );
    const queued = await setup.queue(storeId, 'incremental');
    await setup.waitForRun(storeId, queued, (r) => r.phase === 'fetching');
    await setup.syncRuns.applyWebhookChanges(storeId, [{ kind: 'uninstalled' }]);
    holding.open();
    const connection = await setup.catalog.withStore(storeId, (trx) =>
      trx.selectFrom('catalog.connections').selectAll().executeTakeFirstOrThrow(),
    );
    expect(connection).toMatchObject({ state: 'disconnected', next_sync_at: null });
    // The worker finds its claim gone at the page's commit: nothing of the page is written.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await setup.waitForRun(storeId, queued, () => true)).toMatchObject({
      state: 'cancelled',
      seen: 0,
    });
  });
});
