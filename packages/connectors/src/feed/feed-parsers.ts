import { Readable } from 'node:stream';
import { parse as parseCsv } from 'csv-parse';
import { Parser as XmlParser } from 'htmlparser2';
import { ConnectorError } from '../connector-error.ts';
import type { MerchantItem } from './merchant-items.ts';

/** What a parsed feed says about the store besides its items. */
export interface FeedChannel {
  /** RSS `<channel><link>` / Atom `<link href>`: the storefront. */
  link: string | null;
  title: string | null;
}

/** Google's multi-valued columns; a cell holds several values split where the next one starts. */
const LIST_COLUMNS = new Set(['additional_image_link']);

function attributeName(raw: string): string {
  return raw
    .trim()
    .toLowerCase()
    .replace(/^g:/, '')
    .replace(/[\s-]+/g, '_');
}

function invalidFeed(format: string, reason: string, cause?: unknown): ConnectorError {
  return new ConnectorError('invalid_platform_response', `The feed is not valid ${format}: ${reason}`, {
    cause,
  });
}

/**
 * Rows of a CSV (or tab-separated) feed with a header row of Google's attribute names, as
 * merchant items. The delimiter is a tab when the header has one, else a comma; list cells
 * (`additional_image_link`) are split at commas or pipes followed by a URL, so URLs with
 * commas in them (image CDNs' `w_100,h_100`) stay whole.
 */
export async function* csvItems(source: AsyncIterable<Buffer>): AsyncGenerator<MerchantItem> {
  const chunks = source[Symbol.asyncIterator]();
  const first = await chunks.next();
  if (first.done) return;
  const head =
    first.value
      .subarray(0, 64 * 1024)
      .toString('utf8')
      .split(/\r?\n/, 1)[0] ?? '';
  const parser = parseCsv({
    bom: true,
    delimiter: head.includes('\t') ? '\t' : ',',
    relax_column_count: true,
    relax_quotes: true,
    skip_empty_lines: true,
  });
  const input = Readable.from(
    (async function* () {
      yield first.value;
      // Delegating keeps return() flowing back to the download when parsing stops early.
      yield* { [Symbol.asyncIterator]: () => chunks };
    })(),
  );
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let columns: string[] | null = null;
  try {
    for await (const record of parser as AsyncIterable<string[]>) {
      if (columns === null) {
        columns = record.map(attributeName);
        if (!columns.includes('id') && !columns.includes('title')) {
          throw invalidFeed('CSV', 'the header row names neither an id nor a title column');
        }
        continue;
      }
      const item: MerchantItem = new Map();
      record.forEach((cell, index) => {
        const name = columns?.[index];
        if (name === undefined || name === '' || cell.trim() === '') return;
        const values = LIST_COLUMNS.has(name) ? cell.split(/\s*[,|]\s*(?=https?:\/\/)/i) : [cell];
        item.set(name, [...(item.get(name) ?? []), ...values]);
      });
      yield item;
    }
  } catch (err) {
    if (err instanceof ConnectorError) throw err;
    throw invalidFeed('CSV', err instanceof Error ? err.message : String(err), err);
  } finally {
    input.destroy();
  }
}

/**
 * Items of a Google Merchant feed: RSS 2.0 `<item>`s or Atom `<entry>`s, their direct child
 * elements by local name (`g:price` → `price`; nested ones such as `g:shipping/g:price` are
 * not mixed in). Parsed as a stream, so the document is never held whole.
 */
export async function* xmlItems(
  source: AsyncIterable<Buffer>,
  channel: FeedChannel,
): AsyncGenerator<MerchantItem> {
  const ready: MerchantItem[] = [];
  const path: string[] = [];
  let rootSeen = false;
  let item: MerchantItem | null = null;
  let itemDepth = -1;
  let field: string | null = null;
  let text = '';
  const parser = new XmlParser(
    {
      onopentag(rawName, attributes) {
        const name = rawName.toLowerCase();
        const parent = path.at(-1);
        path.push(name);
        if (name === 'rss' || name === 'feed' || name === 'channel') rootSeen = true;
        if (item === null && (name === 'item' || name === 'entry')) {
          item = new Map();
          itemDepth = path.length;
        } else if (item !== null && path.length === itemDepth + 1) {
          field = attributeName(name);
          text = '';
          // Atom links carry the URL in href.
          if (field === 'link' && attributes.href !== undefined) text = attributes.href;
        } else if (item === null && (parent === 'channel' || parent === 'feed')) {
          field = `channel:${name}`;
          text = name === 'link' && attributes.href !== undefined ? attributes.href : '';
        }
      },
      ontext(data) {
        if (field !== null && path.length === (item === null ? path.length : itemDepth + 1)) text += data;
      },
      onclosetag() {
        const depth = path.length;
        path.pop();
        if (item !== null && depth === itemDepth) {
          ready.push(item);
          item = null;
          field = null;
        } else if (field !== null && (item === null || depth === itemDepth + 1)) {
          const value = text.trim();
          if (item !== null && value !== '') item.set(field, [...(item.get(field) ?? []), value]);
          if (item === null && value !== '') {
            if (field === 'channel:link') channel.link ??= value;
            if (field === 'channel:title') channel.title ??= value;
          }
          field = null;
        }
      },
    },
    { xmlMode: true },
  );
  const decoder = new TextDecoder('utf-8');
  for await (const chunk of source) {
    parser.write(decoder.decode(chunk, { stream: true }));
    yield* ready.splice(0);
  }
  parser.write(decoder.decode());
  parser.end();
  yield* ready.splice(0);
  if (!rootSeen) throw invalidFeed('XML', 'no RSS <channel> or Atom <feed> element');
}
