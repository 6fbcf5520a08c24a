import { ImageFetchError } from './image-fetch-error.ts';

/**
 * Parses a merchant-supplied image URL (or a redirect's Location against the URL that
 * sent it) and refuses what the fetcher will not request: other schemes than http(s) and
 * embedded credentials, which would be sent to whoever the URL points at.
 */
export function parseImageUrl(raw: string, base?: URL): URL {
  const where = base === undefined ? 'The image URL' : `The redirect from ${base.host}`;
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch (cause) {
    throw new ImageFetchError('invalid_url', `${where} is not a valid URL`, { cause });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ImageFetchError(
      'invalid_url',
      `${where} uses ${url.protocol.slice(0, -1)}; only http and https are supported`,
    );
  }
  if (url.username !== '' || url.password !== '') {
    throw new ImageFetchError('invalid_url', `${where} contains a username or password; remove them`);
  }
  return url;
}
