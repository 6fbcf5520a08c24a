import { randomBytes } from 'node:crypto';
import { isConnectorError } from '@nlyzer/connectors';
import type { FeedConnectRequest, Platform, WooCommerceConnectRequest } from '@nlyzer/contracts';
import { isUniqueViolation } from '@nlyzer/db';
import { AppError } from '@nlyzer/service-kit';
import { type SyncContext, withStoreEvents } from '../../sync-context.ts';
import { markConnected } from '../onboarding/onboarding-progress.ts';
import type { SyncRuns } from '../sync-runs/register-sync-runs.ts';
import {
  type ConnectionRow,
  type NewConnection,
  saveConnection,
  updateConnection,
} from './connection-store.ts';
import { type ConnectorFactory, sealCredentials, type WooCommerceConnector } from './connector-factory.ts';

export interface ConnectDeps {
  context: SyncContext;
  connectors: ConnectorFactory;
  syncRuns: SyncRuns;
}

/** A platform call made on the merchant's behalf failed: they see the platform's reason. */
export function connectorRefusal(err: unknown, what: string): never {
  if (isConnectorError(err)) throw new AppError('unprocessable', `${what}: ${err.message}`, { cause: err });
  throw err;
}

/**
 * Stores the verified connection (replacing any other), and, for a platform the worker
 * pulls from, queues the first full import in the same transaction, so a connected store
 * always has its run. Onboarding restarts its import from here.
 */
export async function establishConnection(
  deps: ConnectDeps,
  storeId: string,
  connection: NewConnection,
): Promise<{ connection: ConnectionRow; runId: string | null }> {
  const pulls = connection.platform !== 'custom' || connection.source !== null;
  const now = new Date();
  try {
    return await withStoreEvents(deps.context.outbox, storeId, async (trx, emit) => {
      const saved = await saveConnection(trx, storeId, connection, now);
      const onboarding = await trx
        .selectFrom('catalog.onboarding')
        .select('completed_at')
        .where('store_id', '=', storeId)
        .executeTakeFirst();
      const trigger = onboarding?.completed_at ? 'manual' : 'onboarding';
      const run = pulls ? await deps.syncRuns.queueRun(trx, emit, { storeId, trigger, mode: 'full' }) : null;
      await markConnected(trx, storeId, connection.platform as Platform, run?.runId ?? null, now);
      return { connection: saved, runId: run?.runId ?? null };
    });
  } catch (err) {
    if (isUniqueViolation(err)) {
      throw new AppError('conflict', 'This shop is already connected to another NLyzer store', {
        cause: err,
      });
    }
    throw err;
  }
}

/** Webhook registration is best effort: a store without webhooks still syncs on schedule. */
export async function recordWebhooks(
  deps: ConnectDeps,
  storeId: string,
  register: () => Promise<void>,
): Promise<ConnectionRow> {
  let webhooks: 'registered' | 'failed' = 'registered';
  try {
    await register();
  } catch (err) {
    deps.context.logger.warn(
      { err, storeId },
      'webhook registration failed; the store syncs on schedule only',
    );
    webhooks = 'failed';
  }
  const updated = await deps.context.db.withStore(storeId, (trx) =>
    updateConnection(trx, storeId, { webhooks }),
  );
  if (updated === undefined) throw new AppError('not_found', 'The connection was removed meanwhile');
  return updated;
}

/** `https://Shop.example/wp/` → `https://shop.example/wp`: one spelling per site, for the unique source. */
export function normaliseSiteUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

export async function connectWooCommerce(
  deps: ConnectDeps,
  storeId: string,
  request: WooCommerceConnectRequest,
): Promise<ConnectionRow> {
  const storeUrl = normaliseSiteUrl(request.store_url);
  const connector = deps.connectors.woocommerce(storeUrl, request.consumer_key, request.consumer_secret);
  try {
    return await connectVerifiedWooCommerce(deps, storeId, request, storeUrl, connector);
  } finally {
    await connector.close();
  }
}

async function connectVerifiedWooCommerce(
  deps: ConnectDeps,
  storeId: string,
  request: WooCommerceConnectRequest,
  storeUrl: string,
  connector: WooCommerceConnector,
): Promise<ConnectionRow> {
  const { connectors, context } = deps;
  // Verified before anything is stored: unverified credentials never reach the database.
  const identity = await connector
    .verify()
    .catch((err: unknown) => connectorRefusal(err, 'WooCommerce refused the keys'));
  const webhookSecret = randomBytes(32).toString('base64url');
  const { sealer } = connectors;
  await establishConnection(deps, storeId, {
    platform: 'woocommerce',
    source: storeUrl,
    storefrontUrl: identity.storefrontUrl ?? storeUrl,
    currency: identity.currency,
    feedFormat: null,
    credentials: sealCredentials(sealer, storeId, {
      platform: 'woocommerce',
      consumer_key: request.consumer_key,
      consumer_secret: request.consumer_secret,
    }),
    webhookSecret: sealer.seal(storeId, 'webhook_secret', webhookSecret),
    webhooks: 'none',
    syncEnabled: true,
  });
  const deliveryUrl = new URL(`/v1/webhooks/woocommerce/${storeId}`, context.config.PUBLIC_URL).toString();
  return recordWebhooks(deps, storeId, () => connector.registerWebhooks(deliveryUrl, webhookSecret));
}

/**
 * A custom store: with a feed URL the worker pulls the feed on schedule (verified first);
 * without one the store pushes its catalog through the search service's catalog API and
 * nothing is pulled (sync disabled, onboarding follows the search service's indexing).
 */
export async function connectCustom(
  deps: ConnectDeps,
  storeId: string,
  request: FeedConnectRequest,
): Promise<ConnectionRow> {
  let storefrontUrl = request.storefront_url ?? null;
  let currency: string | null = null;
  if (request.feed_url !== undefined) {
    const connector = deps.connectors.feed(request.feed_url, request.feed_format ?? null);
    const identity = await connector
      .verify()
      .catch((err: unknown) => connectorRefusal(err, 'The feed could not be read'))
      .finally(() => connector.close());
    storefrontUrl ??= identity.storefrontUrl;
    currency = identity.currency;
  }
  const { connection } = await establishConnection(deps, storeId, {
    platform: 'custom',
    source: request.feed_url ?? null,
    storefrontUrl,
    currency,
    feedFormat: request.feed_format ?? null,
    credentials: null,
    webhookSecret: null,
    webhooks: 'not_supported',
    syncEnabled: request.feed_url !== undefined,
  });
  return connection;
}
