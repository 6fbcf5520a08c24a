import { Agent } from 'undici';
import { createAddressPolicy } from './address-policy.ts';
import { createConnectGuard, type ResolveHost, resolveWithSystem } from './connect-guard.ts';

export interface PublicNetworkOptions {
  /** Let requests reach loopback, private and link-local addresses (local development only). */
  allowPrivateNetworks?: boolean;
  /** CIDR ranges let through although not public. */
  allowedPrivateRanges?: readonly string[];
  lookup?: ResolveHost;
}

export interface PublicNetworkAgent {
  /** An undici dispatcher whose sockets only connect to addresses the policy allows. */
  agent: Agent;
  /** Throws `ImageFetchError('blocked_address')` for a URL whose host is a refused literal IP. */
  checkUrl(url: URL): void;
}

/**
 * The image fetcher's SSRF guard for any other request to a merchant-supplied URL (a
 * WooCommerce site, a product feed): the address is checked inside the socket's DNS lookup,
 * so the address checked is the one connected to. Redirects must be followed by the caller
 * (`redirect: 'manual'`) so every hop goes through `checkUrl` and the agent again.
 */
export function createPublicNetworkAgent(options: PublicNetworkOptions = {}): PublicNetworkAgent {
  const guard = createConnectGuard(
    options.lookup ?? resolveWithSystem,
    createAddressPolicy({
      allowPrivateNetworks: options.allowPrivateNetworks ?? false,
      allowedPrivateRanges: options.allowedPrivateRanges ?? [],
    }),
  );
  return {
    agent: new Agent({ connect: { lookup: guard.lookup } }),
    checkUrl: (url) => guard.checkLiteralHost(url),
  };
}
