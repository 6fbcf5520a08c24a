import type {
  ConnectionView,
  ConnectRequest,
  FeedFormat,
  OnboardingView,
  ShopifyInstallResponse,
} from '@nlyzer/contracts';
import type { Env } from '@nlyzer/service-kit';
import { CliError } from '../runtime/cli-error.ts';
import { type CommandIo, writeLine } from '../runtime/console-output.ts';
import { createGatewayClient, type GatewayClientOptions } from '../runtime/gateway-client.ts';
import { followProgress, onboardingProgress } from '../runtime/onboarding-progress.ts';

export interface ConnectOptions extends GatewayClientOptions {
  shop?: string;
  storeUrl?: string;
  consumerKey?: string;
  consumerSecret?: string;
  feedUrl?: string;
  format?: FeedFormat;
  storefrontUrl?: string;
  /** commander's --no-wait */
  wait: boolean;
}

const PLATFORMS = ['shopify', 'woocommerce', 'feed'] as const;

function required(value: string | undefined, flag: string, platform: string): string {
  if (!value) throw new CliError('invalid_arguments', `${platform} needs ${flag}`);
  return value;
}

/**
 * `nlyzer connect <shopify|woocommerce|feed>`: connects the API key's store through the
 * gateway, exactly as the dashboard does, then follows the onboarding (import, indexing,
 * quality report) with a progress bar until search is live.
 */
export async function connectCommand(
  platform: string,
  options: ConnectOptions,
  env: Env,
  io: CommandIo,
): Promise<number> {
  if (!(PLATFORMS as readonly string[]).includes(platform)) {
    throw new CliError('invalid_arguments', `platform must be one of: ${PLATFORMS.join(', ')}`);
  }
  const client = createGatewayClient(options, env);

  if (platform === 'shopify') {
    const shop = required(options.shop, '--shop <name.myshopify.com>', platform);
    const install = await client.send<ShopifyInstallResponse>('POST', '/v1/connection/shopify/install', {
      shop,
    });
    writeLine(io.stdout, `Approve the app in Shopify (the link works until ${install.expires_at}):`);
    writeLine(io.stdout, `  ${install.authorize_url}`);
  } else {
    const body: ConnectRequest =
      platform === 'woocommerce'
        ? {
            platform: 'woocommerce',
            store_url: required(options.storeUrl, '--store-url <https://…>', platform),
            consumer_key: required(options.consumerKey, '--consumer-key <ck_…>', platform),
            consumer_secret: required(options.consumerSecret, '--consumer-secret <cs_…>', platform),
          }
        : {
            platform: 'custom',
            feed_url: required(options.feedUrl, '--feed-url <https://…>', platform),
            ...(options.format ? { feed_format: options.format } : {}),
            ...(options.storefrontUrl ? { storefront_url: options.storefrontUrl } : {}),
          };
    const connection = await client.send<ConnectionView>('PUT', '/v1/connection', body);
    writeLine(io.stdout, `connected ${connection.platform} ${connection.source ?? ''}`.trimEnd());
  }
  if (!options.wait) return 0;

  const started = Date.now();
  const done = await followProgress<OnboardingView>(client, '/v1/onboarding', onboardingProgress, io.stderr);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const run = done.run;
  writeLine(
    io.stdout,
    `imported ${run?.counts.seen ?? 0} products (${run?.counts.failed ?? 0} refused), ` +
      `indexed ${run?.indexing.indexed ?? 0} in ${seconds} s`,
  );
  if (done.quality) {
    const issues = done.quality.issues.filter((issue) => issue.products > 0);
    writeLine(
      io.stdout,
      `catalog quality: ${Math.round(done.quality.score * 100)}% of products without issues`,
    );
    for (const issue of issues) writeLine(io.stdout, `  ${issue.issue}: ${issue.products}`);
  }
  writeLine(
    io.stdout,
    done.stage === 'completed'
      ? 'search is live: get the snippet with GET /v1/widget-keys/<id>/snippet'
      : 'next: create a widget key for your storefront (POST /v1/widget-keys) and paste its snippet',
  );
  return 0;
}
