import { setTimeout as wait } from 'node:timers/promises';
import { ConnectorError } from '../connector-error.ts';
import type { PlatformHttp } from '../platform-http.ts';

/** The Admin API version every document here is written against (and validated with in tests). */
export const SHOPIFY_API_VERSION = '2025-01';
/** THROTTLED answers retried before the run gives up with platform_rate_limited. */
const MAX_THROTTLE_RETRIES = 8;
/** A refill longer than this fails the run (it retries later) rather than holding a worker. */
const MAX_REFILL_WAIT_MS = 60_000;

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

export interface QueryCost {
  requestedQueryCost: number;
  actualQueryCost: number | null;
  throttleStatus: ThrottleStatus;
}

interface GraphqlAnswer<T> {
  data?: T | null;
  errors?: { message?: string; extensions?: { code?: string } }[];
  extensions?: { cost?: QueryCost };
}

export interface ShopifyAdminClient {
  /** Runs one document, waiting first when the cost bucket cannot pay for it. */
  graphql<T>(document: string, variables?: Record<string, unknown>, signal?: AbortSignal): Promise<T>;
}

/**
 * GraphQL Admin API calls under Shopify's calculated-cost rate limit. Every answer carries
 * the bucket's state (`extensions.cost.throttleStatus`); the client remembers it and, before
 * the next call, waits until the bucket has refilled enough for that document's last
 * requested cost, so it is rarely throttled at all. When it is (another app of the shop, a
 * first call), it waits as long as the refill takes and retries.
 */
export function createShopifyAdminClient(options: {
  origin: string;
  accessToken: string;
  http: PlatformHttp;
}): ShopifyAdminClient {
  const endpoint = `${options.origin}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`;
  let bucket: (ThrottleStatus & { at: number }) | null = null;
  const lastCost = new Map<string, number>();

  /** Milliseconds until the bucket holds `cost` points, by its last known state. */
  function refillWait(cost: number): number {
    if (bucket === null || bucket.restoreRate <= 0) return 0;
    const available = Math.min(
      bucket.maximumAvailable,
      bucket.currentlyAvailable + ((Date.now() - bucket.at) / 1000) * bucket.restoreRate,
    );
    const needed = Math.min(cost, bucket.maximumAvailable) - available;
    return needed <= 0 ? 0 : Math.ceil((needed / bucket.restoreRate) * 1000);
  }

  async function graphql<T>(
    document: string,
    variables: Record<string, unknown> = {},
    signal?: AbortSignal,
  ): Promise<T> {
    for (let throttled = 0; ; throttled++) {
      const pause = refillWait(lastCost.get(document) ?? 0);
      if (pause > MAX_REFILL_WAIT_MS) {
        throw new ConnectorError(
          'platform_rate_limited',
          `Shopify's cost bucket needs ${Math.round(pause / 1000)} s to refill for the next query`,
        );
      }
      if (pause > 0) await wait(pause, undefined, signal === undefined ? {} : { signal });
      const { body } = await options.http.json<GraphqlAnswer<T>>(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-shopify-access-token': options.accessToken },
        body: JSON.stringify({ query: document, variables }),
        ...(signal === undefined ? {} : { signal }),
      });
      const cost = body.extensions?.cost;
      if (cost !== undefined) {
        bucket = { ...cost.throttleStatus, at: Date.now() };
        lastCost.set(document, cost.requestedQueryCost);
      }
      const errors = body.errors ?? [];
      if (errors.some((error) => error.extensions?.code === 'THROTTLED')) {
        if (throttled >= MAX_THROTTLE_RETRIES) {
          throw new ConnectorError('platform_rate_limited', 'Shopify kept throttling the catalog queries');
        }
        // With no cost to go by, wait a second: the smallest refill worth asking again for.
        if (cost === undefined) await wait(1000, undefined, signal === undefined ? {} : { signal });
        continue;
      }
      if (errors.some((error) => error.extensions?.code === 'ACCESS_DENIED')) {
        throw new ConnectorError('platform_auth_failed', `Shopify denied access: ${messages(errors)}`);
      }
      if (errors.length > 0 || body.data === undefined || body.data === null) {
        throw new ConnectorError('invalid_platform_response', `Shopify refused a query: ${messages(errors)}`);
      }
      return body.data;
    }
  }

  return { graphql };
}

function messages(errors: readonly { message?: string }[]): string {
  return (
    errors
      .map((error) => error.message ?? 'unknown error')
      .join('; ')
      .slice(0, 500) || 'no data'
  );
}
