import { bagSilhouette, hatSilhouette, scarfSilhouette, shoeSilhouette } from './accessory-silhouettes.ts';
import type { Category } from './catalog-vocabulary.ts';
import { fabricPatternDef } from './fabric-pattern.ts';
import {
  dressSilhouette,
  jacketSilhouette,
  legwearSilhouette,
  skirtSilhouette,
  topSilhouette,
} from './garment-silhouettes.ts';
import type { DemoProduct, EmblemShape, ProductLook } from './generate-catalog.ts';
import { COLOUR_HEX, luminance, mixHex } from './palette.ts';
import type { Silhouette } from './silhouette.ts';
import { type Box, boxPath, n, type Point, polyline, roundedPath } from './svg-geometry.ts';

/** What a drawing needs from a product: the catalog's products and the clutter in shopper photos alike. */
export type DrawableProduct = Pick<
  DemoProduct,
  'category' | 'kind' | 'colour' | 'secondaryColour' | 'pattern' | 'look'
>;

export interface ProductDrawing {
  /** <defs> content; every id starts with the prefix given, so several products can share one SVG */
  defs: string;
  content: string;
  bounds: Box;
}

const SILHOUETTES: Readonly<Record<Category, (kind: string, look: ProductLook) => Silhouette>> = {
  tops: topSilhouette,
  jackets: jacketSilhouette,
  dresses: dressSilhouette,
  skirts: skirtSilhouette,
  trousers: (kind, look) => legwearSilhouette(kind, look, false),
  shorts: (kind, look) => legwearSilhouette(kind, look, true),
  shoes: shoeSilhouette,
  bags: bagSilhouette,
  hats: hatSilhouette,
  scarves: scarfSilhouette,
};

function starPoints(cx: number, cy: number, outer: number, inner: number): Point[] {
  return Array.from({ length: 10 }, (_, k): Point => {
    const a = (k / 10) * 2 * Math.PI - Math.PI / 2;
    const r = k % 2 === 0 ? outer : inner;
    return [cx + Math.cos(a) * r, cy + Math.sin(a) * r];
  });
}

/** A small printed logo: shapes only, since fonts differ between machines and would break byte-identical output. */
function emblemSvg(
  shape: EmblemShape,
  [x, y]: readonly [number, number],
  size: number,
  ink: string,
  ground: string,
): string {
  const h = size / 2;
  switch (shape) {
    case 'circle':
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${n(h)}" fill="${ink}"/>`;
    case 'ring':
      return `<circle cx="${n(x)}" cy="${n(y)}" r="${n(h * 0.8)}" fill="none" stroke="${ink}" stroke-width="${n(size / 7)}"/>`;
    case 'star':
      return `<path d="${roundedPath(starPoints(x, y, h, h * 0.45))}" fill="${ink}"/>`;
    case 'diamond':
      return `<path d="${roundedPath([
        [x, y - h],
        [x + h * 0.7, y],
        [x, y + h],
        [x - h * 0.7, y],
      ])}" fill="${ink}"/>`;
    case 'triangle':
      return `<path d="${roundedPath([
        [x, y - h],
        [x + h, y + h * 0.8],
        [x - h, y + h * 0.8],
      ])}" fill="${ink}"/>`;
    case 'chevron':
      return `<path d="${polyline([
        [x - h, y - h * 0.4],
        [x, y + h * 0.4],
        [x + h, y - h * 0.4],
      ])}" fill="none" stroke="${ink}" stroke-width="${n(size / 5)}" stroke-linejoin="round"/>`;
    case 'bars':
      return [-1, 0, 1]
        .map(
          (k) =>
            `<rect x="${n(x + k * h * 0.7 - h * 0.2)}" y="${n(y - h * (k === 0 ? 1 : 0.7))}" width="${n(h * 0.4)}" height="${n(h * (k === 0 ? 2 : 1.4))}" fill="${ink}"/>`,
        )
        .join('');
    case 'label':
      return `<path d="${boxPath({ x0: x - h * 1.2, y0: y - h * 0.6, x1: x + h * 1.2, y1: y + h * 0.6 }, 6)}" fill="${ink}"/><path d="${polyline(
        [
          [x - h * 0.8, y - h * 0.15],
          [x + h * 0.8, y - h * 0.15],
        ],
      )}${polyline([
        [x - h * 0.8, y + h * 0.2],
        [x + h * 0.4, y + h * 0.2],
      ])}" stroke="${ground}" stroke-width="${n(size / 12)}"/>`;
  }
}

/**
 * The product as SVG in a 1000×1000 drawing: the fabric (pattern or plain), pockets,
 * trims, seams and folds, buttons and a logo, then studio shading so it is not flat.
 */
export function drawProduct(product: DrawableProduct, idPrefix: string): ProductDrawing {
  const { look } = product;
  const silhouette = SILHOUETTES[product.category](product.kind, look);
  const main = COLOUR_HEX[product.colour];
  const secondary = COLOUR_HEX[product.secondaryColour ?? look.trimColour];
  const trim = COLOUR_HEX[look.trimColour];
  const outline = luminance(main) < 0.15 ? mixHex(main, '#ffffff', 0.18) : mixHex(main, '#000000', 0.45);
  const patternId = `${idPrefix}-fabric`;
  const patternDef = fabricPatternDef(
    patternId,
    product.pattern,
    { main, secondary, accent: trim },
    look.patternScale,
    look.patternAngle,
  );
  const fabric = patternDef ? `url(#${patternId})` : main;
  const defs = [
    patternDef ?? '',
    `<linearGradient id="${idPrefix}-light" x1="0" y1="0" x2="1" y2="1" gradientTransform="rotate(${look.lightAngle} .5 .5)">`,
    '<stop offset="0" stop-color="#fff" stop-opacity="0.3"/><stop offset="0.45" stop-color="#fff" stop-opacity="0"/>',
    '<stop offset="0.55" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.28"/></linearGradient>',
    `<radialGradient id="${idPrefix}-volume" cx="0.5" cy="0.45" r="0.7"><stop offset="0.55" stop-color="#000" stop-opacity="0"/><stop offset="1" stop-color="#000" stop-opacity="0.22"/></radialGradient>`,
    `<radialGradient id="${idPrefix}-floor"><stop offset="0" stop-color="#000" stop-opacity="0.35"/><stop offset="1" stop-color="#000" stop-opacity="0"/></radialGradient>`,
  ].join('');

  const { bounds } = silhouette;
  const parts: string[] = [];
  if (silhouette.standing) {
    const rx = (bounds.x1 - bounds.x0) * 0.55;
    parts.push(
      `<ellipse cx="${n((bounds.x0 + bounds.x1) / 2)}" cy="${n(bounds.y1 - 5)}" rx="${n(rx)}" ry="${n(rx * 0.09)}" fill="url(#${idPrefix}-floor)"/>`,
    );
  } else {
    parts.push(`<path d="${silhouette.body}" fill="#000" fill-opacity="0.12" transform="translate(14 18)"/>`);
  }
  parts.push(`<path d="${silhouette.body}" fill="${fabric}"/>`);
  for (const pocket of silhouette.pockets.slice(0, look.pockets)) {
    const d = boxPath(pocket, 10);
    parts.push(
      `<path d="${d}" fill="${fabric}" stroke="${outline}" stroke-width="3" stroke-dasharray="9 6"/>`,
      `<path d="${polyline([
        [pocket.x0 + 4, pocket.y0 + 14],
        [pocket.x1 - 4, pocket.y0 + 14],
      ])}" stroke="${outline}" stroke-width="3"/>`,
    );
  }
  const filledTrims = silhouette.trims.filter((t) => t.width === undefined).map((t) => t.d);
  for (const t of silhouette.trims) {
    parts.push(
      t.width === undefined
        ? `<path d="${t.d}" fill="${trim}"/>`
        : `<path d="${t.d}" fill="none" stroke="${trim}" stroke-width="${t.width}" stroke-linecap="round"/>`,
    );
  }
  const shaded = silhouette.body + filledTrims.join('');
  parts.push(
    `<path d="${shaded}" fill="url(#${idPrefix}-light)"/><path d="${shaded}" fill="url(#${idPrefix}-volume)"/>`,
  );
  if (silhouette.folds.length > 0) {
    const folds = silhouette.folds.join('');
    parts.push(
      `<path d="${folds}" fill="none" stroke="#000" stroke-opacity="0.1" stroke-width="14" stroke-linecap="round"/>`,
      `<path d="${folds}" fill="none" stroke="#fff" stroke-opacity="0.12" stroke-width="6" stroke-linecap="round" transform="translate(9 0)"/>`,
    );
  }
  if (silhouette.seams.length > 0) {
    parts.push(
      `<path d="${silhouette.seams.join('')}" fill="none" stroke="${outline}" stroke-opacity="0.7" stroke-width="3"/>`,
    );
  }
  if (silhouette.buttonLine && look.buttons > 0) {
    const { x, y0, y1 } = silhouette.buttonLine;
    const buttonEdge = mixHex(trim, '#000000', 0.35);
    for (let k = 0; k < look.buttons; k++) {
      const y = look.buttons === 1 ? (y0 + y1) / 2 : y0 + ((y1 - y0) * k) / (look.buttons - 1);
      parts.push(
        `<circle cx="${n(x)}" cy="${n(y)}" r="12" fill="${trim}" stroke="${buttonEdge}" stroke-width="2.5"/>`,
        `<circle cx="${n(x - 4)}" cy="${n(y)}" r="2.2" fill="${buttonEdge}"/><circle cx="${n(x + 4)}" cy="${n(y)}" r="2.2" fill="${buttonEdge}"/>`,
      );
    }
  }
  if (look.emblem) {
    // a logo in the body's own colour would vanish: fall back to whichever of black/white stands out
    const ink = look.trimColour === product.colour ? (luminance(main) > 0.5 ? '#151515' : '#f5f5f5') : trim;
    parts.push(emblemSvg(look.emblem.shape, silhouette.emblemAt, look.emblem.size, ink, main));
  }
  parts.push(
    `<path d="${silhouette.body}" fill="none" stroke="${outline}" stroke-width="3" stroke-linejoin="round"/>`,
  );
  return { defs, content: parts.join(''), bounds };
}

/** The transform that scales and centres a drawing's bounds to fill `fill` of a `frame`-unit square. */
export function fitTransform(bounds: Box, frame: number, fill: number): string {
  const width = bounds.x1 - bounds.x0;
  const height = bounds.y1 - bounds.y0;
  const scale = (frame * fill) / Math.max(width, height);
  const tx = frame / 2 - ((bounds.x0 + bounds.x1) / 2) * scale;
  const ty = frame / 2 - ((bounds.y0 + bounds.y1) / 2) * scale;
  return `translate(${n(tx)} ${n(ty)}) scale(${scale.toFixed(4)})`;
}
