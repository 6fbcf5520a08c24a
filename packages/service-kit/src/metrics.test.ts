import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, openRealParts, type RealParts } from '../test/fixtures.ts';

let parts: RealParts;

beforeAll(async () => {
  parts = await openRealParts();
});

afterAll(async () => {
  await parts.bus.close();
  await parts.db.close();
});

describe('/metrics', () => {
  it('serves route histograms by route pattern and the default process metrics', async () => {
    const app = await buildApp(parts, { name: 'search' });
    app.get('/stores/:storeId/products/:productId', async () => ({ ok: true }));
    await app.inject({ url: '/stores/11111111-1111-4111-8111-111111111111/products/42' });
    await app.inject({ url: '/no/such/route/7' });

    const response = await app.inject({ url: '/metrics' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = response.body;
    expect(text).toMatch(
      /http_request_duration_seconds_count\{service="search",method="GET",route="\/stores\/:storeId\/products\/:productId",status_code="200"\} 1/,
    );
    expect(text).toMatch(
      /http_request_duration_seconds_count\{service="search",method="GET",route="unmatched",status_code="404"\} 1/,
    );
    expect(text).not.toContain('11111111-1111');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('lets several services share one process and one registry', async () => {
    const gateway = await buildApp(parts, { name: 'gateway' });
    const billing = await buildApp(parts, { name: 'billing' });
    await gateway.inject({ url: '/healthz' });
    await billing.inject({ url: '/healthz' });
    const text = (await gateway.inject({ url: '/metrics' })).body;
    expect(text).toContain('service="gateway",method="GET",route="/healthz"');
    expect(text).toContain('service="billing",method="GET",route="/healthz"');
    expect(text.match(/^# TYPE process_cpu_user_seconds_total/gm)).toHaveLength(1);
  });
});
