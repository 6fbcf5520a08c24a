import { describe, expect, it } from 'vitest';
import { checkImageHeaders, isClearlyNotAnImage } from './response-checks.ts';

describe('isClearlyNotAnImage', () => {
  it.each([
    'text/html',
    'text/plain',
    'application/json',
    'application/problem+json',
    'application/xhtml+xml',
    'application/pdf',
    'video/mp4',
  ])('refuses %s', (type) => {
    expect(isClearlyNotAnImage(type)).toBe(true);
  });

  it.each([null, 'image/jpeg', 'image/svg+xml', 'application/octet-stream', 'binary/octet-stream'])(
    'lets %s through',
    (type) => {
      expect(isClearlyNotAnImage(type)).toBe(false);
    },
  );
});

describe('checkImageHeaders', () => {
  it('refuses a declared length over the limit before any byte is read', () => {
    expect(() =>
      checkImageHeaders({ 'content-length': '6291456' }, 'cdn.shop.test', 5 * 1024 * 1024),
    ).toThrow(
      expect.objectContaining({
        code: 'too_large',
        message: 'The image from cdn.shop.test is larger than the 5 MiB limit (6 MiB declared)',
      }),
    );
  });

  it('refuses a compressed body it did not ask for', () => {
    expect(() => checkImageHeaders({ 'content-encoding': 'gzip' }, 'cdn.shop.test', 100)).toThrow(
      expect.objectContaining({ code: 'not_an_image' }),
    );
  });
});
