import { DEFAULT_WIDGET_THEME, type WidgetSnippet, type WidgetTheme } from '@nlyzer/contracts';
import { conflict } from '@nlyzer/service-kit';
import type { CoreTransaction } from '../../core-transaction.ts';
import { loadStore } from '../store/store-view.ts';
import type { WidgetKeySealer } from './widget-key-sealing.ts';

/** What a snippet is made from besides the key: where the widget script lives, and how keys are sealed. */
export interface SnippetSettings {
  publicUrl: string;
  sealer: WidgetKeySealer;
}

const HTML_ATTRIBUTE_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '"': '&quot;',
  "'": '&#39;',
  '<': '&lt;',
  '>': '&gt;',
};

/** A theme is JSON with quotes in it: unescaped, it would end the attribute early. */
function attribute(value: string): string {
  return value.replace(/[&"'<>]/g, (char) => HTML_ATTRIBUTE_ESCAPES[char]!);
}

/** The store's own theme, else the default until it picks one. */
export function themeOf(stored: WidgetTheme | null): WidgetTheme {
  return stored ?? DEFAULT_WIDGET_THEME;
}

/** Workflow 1 step 13: the one tag a store pastes into its pages; the widget reads the data attributes. */
export function widgetSnippet(spec: { publicUrl: string; key: string; theme: WidgetTheme }): string {
  const script = `${spec.publicUrl.replace(/\/+$/, '')}/widget.js`;
  return (
    `<script src="${attribute(script)}" data-store-key="${attribute(spec.key)}" ` +
    `data-theme="${attribute(JSON.stringify(spec.theme))}" async></script>`
  );
}

/** The snippet of one of the store's keys as it stands now (the store's current theme); undefined when no such key. */
export async function loadWidgetSnippet(
  trx: CoreTransaction,
  storeId: string,
  keyId: string,
  settings: SnippetSettings,
): Promise<WidgetSnippet | undefined> {
  const row = await trx
    .selectFrom('core.widget_keys')
    .select(['id', 'key_sealed', 'revoked_at'])
    .where('id', '=', keyId)
    .executeTakeFirst();
  if (!row) return undefined;
  if (row.revoked_at) throw conflict('The widget key is revoked: issue a new key to get a snippet');
  if (row.key_sealed === null) {
    throw conflict('The widget key was issued before snippets were kept: re-issue the key to get a snippet');
  }
  const store = await loadStore(trx, storeId);
  const theme = themeOf(store?.widget_theme ?? null);
  const key = settings.sealer.open(row.id, row.key_sealed);
  return { key_id: row.id, snippet: widgetSnippet({ publicUrl: settings.publicUrl, key, theme }), theme };
}
