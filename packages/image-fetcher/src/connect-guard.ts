import { lookup as systemLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import type { AddressPolicy } from './address-policy.ts';
import { ImageFetchError } from './image-fetch-error.ts';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Every address a hostname resolves to; the fetcher's DNS seam. */
export type ResolveHost = (hostname: string) => Promise<ResolvedAddress[]>;

export const resolveWithSystem: ResolveHost = (hostname) =>
  systemLookup(hostname, { all: true, order: 'verbatim' });

const PUBLIC_ONLY = 'images must be served from the public internet';

/**
 * Where the SSRF check happens. Hostnames are resolved inside the socket's own `lookup`,
 * so the addresses that were checked are exactly the ones the socket connects to: no
 * second resolution a rebinding DNS server could answer differently, while the URL keeps
 * its hostname for the Host header and TLS SNI. Literal IP hosts never reach a lookup
 * (Node connects to them directly), so they are checked before the request is sent.
 */
export interface ConnectGuard {
  lookup: LookupFunction;
  /** Throws `blocked_address` when the URL's host is a literal IP the policy refuses. */
  checkLiteralHost(url: URL): void;
}

export function createConnectGuard(resolve: ResolveHost, policy: AddressPolicy): ConnectGuard {
  async function resolveAllowed(hostname: string): Promise<ResolvedAddress[]> {
    let addresses: ResolvedAddress[];
    try {
      addresses = await resolve(hostname);
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code ?? 'no answer';
      throw new ImageFetchError('dns_failed', `The host ${hostname} could not be resolved (${reason})`, {
        cause,
      });
    }
    if (addresses.length === 0) {
      throw new ImageFetchError('dns_failed', `The host ${hostname} has no address`);
    }
    // Any refused address refuses the host: the socket may try them all (Happy Eyeballs).
    for (const { address } of addresses) {
      const refusal = policy(address);
      if (refusal !== null) {
        throw new ImageFetchError(
          'blocked_address',
          `The host ${hostname} resolves to ${address}, ${refusal}; ${PUBLIC_ONLY}`,
        );
      }
    }
    return addresses;
  }

  const lookup: LookupFunction = (hostname, options, callback) => {
    resolveAllowed(hostname).then(
      (addresses) => {
        const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : (options.family ?? 0);
        const candidates = family === 0 ? addresses : addresses.filter((a) => a.family === family);
        const first = candidates[0];
        if (first === undefined) {
          callback(new ImageFetchError('dns_failed', `The host ${hostname} has no IPv${family} address`), '');
        } else if (options.all) {
          callback(null, candidates);
        } else {
          callback(null, first.address, first.family);
        }
      },
      (err: ImageFetchError) => callback(err, ''),
    );
  };

  function checkLiteralHost(url: URL): void {
    // URL keeps IPv6 hosts in brackets; WHATWG parsing already turned 0x7f.1 and the like into dotted quads.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    if (isIP(host) === 0) return;
    const refusal = policy(host);
    if (refusal !== null) {
      throw new ImageFetchError('blocked_address', `The address ${host} is ${refusal}; ${PUBLIC_ONLY}`);
    }
  }

  return { lookup, checkLiteralHost };
}
