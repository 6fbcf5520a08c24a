import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Readable names for ipaddr.js's special ranges, for messages a merchant reads. */
const RANGE_LABELS: Record<string, string> = {
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  multicast: 'a multicast',
  linkLocal: 'a link-local (cloud metadata)',
  loopback: 'a loopback',
  carrierGradeNat: 'a carrier-grade NAT',
  private: 'a private network',
  uniqueLocal: 'a private network',
};

/** 2000::/3: the only IPv6 block handed out for the public internet. */
const GLOBAL_UNICAST_V6 = ipaddr.parseCIDR('2000::/3');

/**
 * The special range an address belongs to, or null when it is public. Only global unicast
 * passes: IPv4-mapped IPv6 is judged by the IPv4 address inside it, and every other
 * special IPv6 range (NAT64, 6to4, Teredo, IPv4-compatible) is refused because it can
 * carry a private IPv4 address in disguise. Anything Node would not parse as an IP is
 * refused too.
 */
export function nonPublicRange(address: string): string | null {
  if (isIP(address) === 0) return 'unparseable';
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv6' && !parsed.match(GLOBAL_UNICAST_V6)) {
    const range = parsed.range();
    return range === 'unicast' ? 'reserved' : range;
  }
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

export interface AddressPolicyOptions {
  /** Let every address through (local development against stores on 127.0.0.1 or a LAN). */
  allowPrivateNetworks: boolean;
  /** CIDR ranges let through although not public, e.g. a staging store on `10.20.0.0/16`. */
  allowedPrivateRanges: readonly string[];
}

/** Says why an address may not be connected to, as a sentence fragment, or null when it may. */
export type AddressPolicy = (address: string) => string | null;

export function createAddressPolicy(options: AddressPolicyOptions): AddressPolicy {
  if (options.allowPrivateNetworks) return () => null;
  // Parsed once, so a bad entry fails when the fetcher is created rather than per request.
  const allowed = options.allowedPrivateRanges.map((cidr) => ipaddr.parseCIDR(cidr));
  return (address) => {
    const range = nonPublicRange(address);
    if (range === null) return null;
    if (range !== 'unparseable') {
      const parsed = ipaddr.process(address);
      if (allowed.some(([net, bits]) => net.kind() === parsed.kind() && parsed.match(net, bits))) return null;
    }
    return `${RANGE_LABELS[range] ?? 'a reserved'} address`;
  };
}
