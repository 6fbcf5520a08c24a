import type { Dispatcher } from 'undici';
import { ImageFetchError } from './image-fetch-error.ts';

type ResponseHeaders = Dispatcher.ResponseData['headers'];

const NEVER_IMAGES = new Set(['text', 'multipart', 'audio', 'video', 'font', 'model', 'message']);
const NON_IMAGE_APPLICATION_TYPES = new Set([
  'json',
  'xml',
  'javascript',
  'ecmascript',
  'x-javascript',
  'pdf',
  'zip',
  'gzip',
  'x-www-form-urlencoded',
]);

/** A response header's value; the first one when the server repeated it. */
export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The media type without parameters, lower-cased (`image/jpeg`), or null when absent. */
export function mediaType(headers: ResponseHeaders): string | null {
  const value = header(headers, 'content-type');
  if (value === undefined) return null;
  const type = value.split(';', 1)[0]!.trim().toLowerCase();
  return type === '' ? null : type;
}

/**
 * True only when the type says the body is certainly something else (an HTML error page,
 * JSON, a PDF). A missing type, `image/*` and the octet-stream family pass: CDNs often
 * label images vaguely, and callers identify the format by magic bytes anyway.
 */
export function isClearlyNotAnImage(type: string | null): boolean {
  if (type === null) return false;
  const [top = '', sub = ''] = type.split('/', 2);
  if (NEVER_IMAGES.has(top)) return true;
  if (top !== 'application') return false;
  return NON_IMAGE_APPLICATION_TYPES.has(sub) || sub.endsWith('+json') || sub.endsWith('+xml');
}

/** Refuses a 2xx response whose headers already show it cannot be a usable image. */
export function checkImageHeaders(headers: ResponseHeaders, host: string, maxBytes: number): void {
  const type = mediaType(headers);
  if (isClearlyNotAnImage(type)) {
    throw new ImageFetchError('not_an_image', `${host} answered with ${type}, not an image`);
  }
  // We ask for identity; a compressed body would need inflating, which is how bombs get in.
  const encoding = header(headers, 'content-encoding')?.trim().toLowerCase();
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    throw new ImageFetchError(
      'not_an_image',
      `${host} sent a ${encoding}-compressed body, which is not accepted`,
    );
  }
  const declared = Number(header(headers, 'content-length') ?? 0);
  if (declared > maxBytes) {
    throw new ImageFetchError('too_large', tooLargeMessage(host, maxBytes, declared));
  }
}

export function tooLargeMessage(host: string, maxBytes: number, declared?: number): string {
  const size = declared === undefined ? '' : ` (${formatMiB(declared)} declared)`;
  return `The image from ${host} is larger than the ${formatMiB(maxBytes)} limit${size}`;
}

function formatMiB(bytes: number): string {
  return `${Number((bytes / 1024 / 1024).toFixed(2))} MiB`;
}
