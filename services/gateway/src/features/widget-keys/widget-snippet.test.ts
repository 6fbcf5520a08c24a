import { DEFAULT_WIDGET_THEME } from '@nlyzer/contracts';
import { describe, expect, it } from 'vitest';
import { themeOf, widgetSnippet } from './widget-snippet.ts';

describe('widget snippet', () => {
  const key = `nlz_pk_${'b'.repeat(43)}`;

  it('is one async script tag loading the widget from the public URL, with the key and the theme', () => {
    const snippet = widgetSnippet({
      publicUrl: 'https://app.nlyzer.example/',
      key,
      theme: DEFAULT_WIDGET_THEME,
    });
    expect(snippet).toBe(
      `<script src="https://app.nlyzer.example/widget.js" data-store-key="${key}" ` +
        'data-theme="{&quot;primary_color&quot;:&quot;#111827&quot;,&quot;position&quot;:&quot;bottom-right&quot;}" async></script>',
    );
  });

  it('escapes a theme so it cannot break out of its attribute', () => {
    const theme = { primary_color: '#ffffff', button_label: `"><script>alert('x')</script>&` };
    const snippet = widgetSnippet({ publicUrl: 'http://localhost:8080', key, theme });
    expect(snippet).not.toContain('<script>alert');
    const attribute = /data-theme="([^"]*)"/.exec(snippet)![1]!;
    const decoded = attribute
      .replaceAll('&quot;', '"')
      .replaceAll('&#39;', "'")
      .replaceAll('&lt;', '<')
      .replaceAll('&gt;', '>')
      .replaceAll('&amp;', '&');
    expect(JSON.parse(decoded)).toEqual(theme);
  });

  it("uses the store's theme, else the default", () => {
    expect(themeOf(null)).toEqual(DEFAULT_WIDGET_THEME);
    const own = { primary_color: '#ff0000', position: 'inline' as const };
    expect(themeOf(own)).toBe(own);
  });
});
