/**
 * The colour names of @nlyzer/vision's StyleDNA palette, with the same sRGB values, so a
 * product's ground-truth colour can be compared with the colours StyleDNA extracts from
 * its images. vision keeps its palette private; palette.test.ts checks that StyleDNA
 * names every swatch here as we do.
 */
export const COLOURS = [
  'black',
  'charcoal',
  'grey',
  'light grey',
  'white',
  'cream',
  'beige',
  'brown',
  'dark red',
  'red',
  'pink',
  'orange',
  'gold',
  'yellow',
  'olive',
  'light green',
  'green',
  'dark green',
  'teal',
  'light blue',
  'blue',
  'navy',
  'purple',
  'lavender',
] as const;

export type ColourName = (typeof COLOURS)[number];

export const COLOUR_HEX: Readonly<Record<ColourName, string>> = {
  black: '#151515',
  charcoal: '#3c3c3c',
  grey: '#808080',
  'light grey': '#c0c0c0',
  white: '#f5f5f5',
  cream: '#f3e9c6',
  beige: '#d4be98',
  brown: '#7b4a2a',
  'dark red': '#7f1d1d',
  red: '#d32f2f',
  pink: '#f48fb1',
  orange: '#f57c00',
  gold: '#c9a227',
  yellow: '#fdd835',
  olive: '#7c7c2a',
  'light green': '#9ccc65',
  green: '#2e7d32',
  'dark green': '#1b4d2e',
  teal: '#00897b',
  'light blue': '#81d4fa',
  blue: '#1e5bc6',
  navy: '#1a237e',
  purple: '#6a1b9a',
  lavender: '#b39ddb',
};

function hexToRgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

function rgbToHex([r, g, b]: readonly number[]): string {
  const channel = (v: number) =>
    Math.round(Math.min(255, Math.max(0, v)))
      .toString(16)
      .padStart(2, '0');
  return `#${channel(r!)}${channel(g!)}${channel(b!)}`;
}

/** Relative luminance 0..1 (Rec. 709 weights on gamma-encoded values: close enough to rank contrast). */
export function luminance(hex: string): number {
  const [r, g, b] = hexToRgb(hex);
  return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
}

/** Mixes `hex` towards `towards` by `amount` (0..1). */
export function mixHex(hex: string, towards: string, amount: number): string {
  const a = hexToRgb(hex);
  const b = hexToRgb(towards);
  return rgbToHex(a.map((v, i) => v + (b[i]! - v) * amount));
}
