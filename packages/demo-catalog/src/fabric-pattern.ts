import type { Pattern } from './catalog-vocabulary.ts';
import { n } from './svg-geometry.ts';

export interface FabricColours {
  main: string;
  secondary: string;
  /** flower centres */
  accent: string;
}

function petals(cx: number, cy: number, radius: number, colour: string): string {
  let out = '';
  for (let k = 0; k < 5; k++) {
    const a = (k / 5) * 2 * Math.PI;
    out += `<circle cx="${n(cx + Math.cos(a) * radius)}" cy="${n(cy + Math.sin(a) * radius)}" r="${n(radius * 0.85)}" fill="${colour}"/>`;
  }
  return out;
}

function flower(cx: number, cy: number, radius: number, colours: FabricColours): string {
  return `${petals(cx, cy, radius, colours.secondary)}<circle cx="${n(cx)}" cy="${n(cy)}" r="${n(radius * 0.6)}" fill="${colours.accent}"/>`;
}

/**
 * The fabric as an SVG <pattern> with id `id`, or null for a solid fill. `scale` is one
 * repeat in drawing units; `angle` turns the motif (stripes across or along, bias checks).
 */
export function fabricPatternDef(
  id: string,
  pattern: Pattern,
  colours: FabricColours,
  scale: number,
  angle: number,
): string | null {
  if (pattern === 'solid') return null;
  const s = pattern === 'floral' ? scale * 1.5 : scale;
  const open = `<pattern id="${id}" width="${n(s)}" height="${n(s)}" patternUnits="userSpaceOnUse" patternTransform="rotate(${angle})"><rect width="${n(s)}" height="${n(s)}" fill="${colours.main}"/>`;
  switch (pattern) {
    case 'striped':
      return `${open}<rect width="${n(s)}" height="${n(s * 0.42)}" fill="${colours.secondary}"/></pattern>`;
    case 'checked':
      return `${open}<rect width="${n(s)}" height="${n(s / 2)}" fill="${colours.secondary}" fill-opacity="0.6"/><rect width="${n(s / 2)}" height="${n(s)}" fill="${colours.secondary}" fill-opacity="0.6"/></pattern>`;
    case 'dotted': {
      const r = s * 0.17;
      const corners = [0, s].flatMap((x) =>
        [0, s].map((y) => `<circle cx="${n(x)}" cy="${n(y)}" r="${n(r)}" fill="${colours.secondary}"/>`),
      );
      return `${open}<circle cx="${n(s / 2)}" cy="${n(s / 2)}" r="${n(r)}" fill="${colours.secondary}"/>${corners.join('')}</pattern>`;
    }
    case 'floral': {
      const corners = [0, s].flatMap((x) => [0, s].map((y) => flower(x, y, s * 0.07, colours)));
      return `${open}${flower(s / 2, s / 2, s * 0.12, colours)}${corners.join('')}</pattern>`;
    }
  }
}
