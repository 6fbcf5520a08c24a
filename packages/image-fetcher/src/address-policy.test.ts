import { describe, expect, it } from 'vitest';
import { createAddressPolicy, nonPublicRange } from './address-policy.ts';

describe('nonPublicRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'linkLocal'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['240.0.0.1', 'reserved'],
    ['192.0.2.10', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'linkLocal'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['ff02::1', 'multicast'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['::ffff:10.0.0.5', 'private'],
    // IPv4-compatible, NAT64 and 6to4 forms can smuggle a private IPv4 address.
    ['::7f00:1', 'reserved'],
    ['64:ff9b::a00:5', 'rfc6052'],
    ['2002:a00:5::1', '6to4'],
    ['2001:db8::1', 'reserved'],
    ['localhost', 'unparseable'],
    ['127.1', 'unparseable'],
  ])('refuses %s as %s', (address, range) => {
    expect(nonPublicRange(address)).toBe(range);
  });

  it.each([
    '93.184.216.34',
    '8.8.8.8',
    '172.32.0.1',
    '100.128.0.1',
    '2606:4700:4700::1111',
    '::ffff:8.8.8.8',
  ])('lets the public address %s through', (address) => {
    expect(nonPublicRange(address)).toBeNull();
  });
});

describe('createAddressPolicy', () => {
  it('explains a refusal in words a merchant can read', () => {
    const policy = createAddressPolicy({ allowPrivateNetworks: false, allowedPrivateRanges: [] });
    expect(policy('169.254.169.254')).toBe('a link-local (cloud metadata) address');
    expect(policy('10.1.2.3')).toBe('a private network address');
    expect(policy('8.8.8.8')).toBeNull();
  });

  it('lets only the listed private ranges through, IPv4-mapped forms included', () => {
    const policy = createAddressPolicy({
      allowPrivateNetworks: false,
      allowedPrivateRanges: ['10.20.0.0/16'],
    });
    expect(policy('10.20.3.4')).toBeNull();
    expect(policy('::ffff:10.20.3.4')).toBeNull();
    expect(policy('10.21.0.1')).toBe('a private network address');
    expect(policy('127.0.0.1')).toBe('a loopback address');
  });

  it('lets everything through when private networks are allowed', () => {
    const policy = createAddressPolicy({ allowPrivateNetworks: true, allowedPrivateRanges: [] });
    expect(policy('127.0.0.1')).toBeNull();
    expect(policy('169.254.169.254')).toBeNull();
  });

  it('fails at creation on a malformed range', () => {
    expect(() =>
      createAddressPolicy({ allowPrivateNetworks: false, allowedPrivateRanges: ['10.0.0.0/33'] }),
    ).toThrow();
  });
});
