import type { ProductLook } from './generate-catalog.ts';
import type { Silhouette, TrimShape } from './silhouette.ts';
import { type Box, mirroredPath, n, type Point, polyline, quadLine, roundedPath } from './svg-geometry.ts';

const CX = 500;

type Sleeve = 'none' | 'short' | 'long';
type Neck = 'crew' | 'v' | 'collar' | 'lapel';

interface UpperOptions {
  sleeve: Sleeve;
  neck: Neck;
  /** ribbed bands at hem and cuffs (sweaters, bombers) */
  ribbed: boolean;
  placket: boolean;
}

/** Both sides of a detail drawn on the right: the right points and their mirror image. */
function bothSides(points: readonly Point[]): [Point[], Point[]] {
  return [[...points], points.map((p): Point => [2 * CX - p[0], p[1], p[2]])];
}

function necklineTrim(neck: Neck, neckHalf: number, top: number, depth: number): TrimShape[] {
  if (neck === 'crew') {
    return [{ d: quadLine([CX - neckHalf, top], [CX, top + 2 * depth], [CX + neckHalf, top]), width: 16 }];
  }
  if (neck === 'v')
    return [
      {
        d: polyline([
          [CX - neckHalf, top],
          [CX, top + depth],
          [CX + neckHalf, top],
        ]),
        width: 12,
      },
    ];
  const tip = neck === 'collar' ? 95 : 240;
  const reach = neck === 'collar' ? 40 : 70;
  return bothSides([
    [CX + neckHalf - 5, top - 12, 6],
    [CX + neckHalf + reach, top + 30, 8],
    [CX + 12, top + tip, 4],
    [CX, top + tip * 0.55, 0],
  ]).map((side) => ({ d: roundedPath(side) }));
}

/** Tops, jackets and the bodice of shirt-like dresses: shoulders, sleeves, body to the hem. */
export function upperGarment(look: ProductLook, options: UpperOptions): Silhouette {
  const [s0, s1, s2, s3] = look.shape;
  const half = 150 + s0 * 70;
  const shoulder = half + 25;
  const top = 220 - s1 * 40;
  const hem = top + 480 + s1 * 100;
  const flare = (s2 - 0.5) * 40;
  const neckHalf = 55 + s3 * 30;
  const depth = options.neck === 'v' ? 130 + s3 * 60 : options.neck === 'crew' ? 40 : 70;

  const right: Point[] = [
    [CX, top + depth, options.neck === 'crew' ? neckHalf * 0.9 : 0],
    [CX + neckHalf, top, 8],
    [CX + shoulder, top + 25, 30],
  ];
  const trims: TrimShape[] = [];
  if (options.sleeve === 'short') {
    const reach = 100 + s2 * 50;
    right.push(
      [CX + shoulder + reach, top + 160, 10],
      [CX + shoulder + reach - 60, top + 215, 10],
      [CX + half, top + 170, 20],
    );
  } else if (options.sleeve === 'long') {
    const cuffY = hem - 20 + s2 * 30;
    right.push(
      [CX + shoulder + 90 + s2 * 30, cuffY, 8],
      [CX + shoulder + 20 + s2 * 30, cuffY + 12, 8],
      [CX + half, top + 200, 20],
    );
    if (options.ribbed) {
      const [r, l] = bothSides([
        [CX + shoulder + 86 + s2 * 30, cuffY - 45, 4],
        [CX + shoulder + 90 + s2 * 30, cuffY, 4],
        [CX + shoulder + 20 + s2 * 30, cuffY + 12, 4],
        [CX + shoulder + 18 + s2 * 30, cuffY - 33, 4],
      ]);
      trims.push({ d: roundedPath(r) }, { d: roundedPath(l) });
    }
  } else {
    right.push([CX + shoulder - 40, top + 10, 10], [CX + half, top + 160, 70]);
  }
  right.push([CX + half + flare, hem, 8], [CX, hem + (options.placket ? 18 : 0), 0]);

  if (options.ribbed) {
    trims.push({
      d: roundedPath([
        [CX - half - flare, hem - 45, 4],
        [CX + half + flare, hem - 45, 4],
        [CX + half + flare, hem, 6],
        [CX - half - flare, hem, 6],
      ]),
    });
  }
  trims.push(...necklineTrim(options.neck, neckHalf, top, depth));

  const seams: string[] = [];
  if (options.placket)
    seams.push(
      polyline([
        [CX, top + depth],
        [CX, hem + 16],
      ]),
    );
  const folds = [
    quadLine([CX + half - 30, top + 200], [CX + half - 70, top + 320], [CX + half - 40, hem - 60]),
    quadLine([CX - half + 50, top + 260], [CX - half + 20, top + 360], [CX - half + 60, hem - 40]),
    quadLine([CX + half * 0.15, hem - 170], [CX + half * 0.35, hem - 100], [CX + half * 0.3, hem - 30]),
  ];
  const pocketW = 80 + s3 * 30;
  const pockets: Box[] =
    options.neck === 'lapel' || options.ribbed
      ? [
          { x0: CX + half * 0.3, y0: hem - 200, x1: CX + half * 0.3 + pocketW * 1.3, y1: hem - 110 },
          { x0: CX - half * 0.3 - pocketW * 1.3, y0: hem - 200, x1: CX - half * 0.3, y1: hem - 110 },
        ]
      : [
          { x0: CX - half * 0.3 - pocketW, y0: top + 120, x1: CX - half * 0.3, y1: top + 120 + pocketW },
          { x0: CX + half * 0.3, y0: top + 120, x1: CX + half * 0.3 + pocketW, y1: top + 120 + pocketW },
        ];
  const sleeveReach = options.sleeve === 'none' ? 0 : 150;
  return {
    body: mirroredPath(CX, right),
    trims,
    seams,
    folds,
    buttonLine: options.placket ? { x: CX, y0: top + depth + 30, y1: hem - 40 } : null,
    pockets,
    emblemAt: [CX - half * 0.45, top + 150],
    bounds: { x0: CX - shoulder - sleeveReach, y0: top - 20, x1: CX + shoulder + sleeveReach, y1: hem + 20 },
    standing: false,
  };
}

export function topSilhouette(kind: string, look: ProductLook): Silhouette {
  switch (kind) {
    case 'shirt':
      return upperGarment(look, { sleeve: 'long', neck: 'collar', ribbed: false, placket: true });
    case 'blouse':
      return upperGarment(look, {
        sleeve: look.shape[2] > 0.3 ? 'short' : 'none',
        neck: 'v',
        ribbed: false,
        placket: false,
      });
    case 'sweater':
      return upperGarment(look, { sleeve: 'long', neck: 'crew', ribbed: true, placket: false });
    default:
      return upperGarment(look, { sleeve: 'short', neck: 'crew', ribbed: false, placket: false });
  }
}

export function jacketSilhouette(kind: string, look: ProductLook): Silhouette {
  switch (kind) {
    case 'blazer':
      return upperGarment(look, { sleeve: 'long', neck: 'lapel', ribbed: false, placket: true });
    case 'bomber jacket':
      return upperGarment(look, { sleeve: 'long', neck: 'crew', ribbed: true, placket: true });
    default:
      return upperGarment(look, { sleeve: 'long', neck: 'collar', ribbed: false, placket: true });
  }
}

export function dressSilhouette(kind: string, look: ProductLook): Silhouette {
  const [s0, s1, s2, s3] = look.shape;
  const top = 150;
  const waistY = 360;
  const waist = 90 + s0 * 40;
  const chest = waist + 45;
  const hem = kind === 'maxi dress' ? 840 + s1 * 60 : 640 + s1 * 200;
  const hemHalf = waist + 90 + s2 * 180;
  const strapped = kind === 'sundress' || (kind === 'maxi dress' && s3 > 0.5);
  const neckHalf = 60 + s3 * 25;
  const right: Point[] = [];
  const trims: TrimShape[] = [];
  if (strapped) {
    right.push([CX, top + 110, 60], [CX + chest - 10, top + 80, 20]);
    const [r, l] = bothSides([
      [CX + neckHalf + 10, top - 20],
      [CX + chest - 35, top + 90],
    ]);
    trims.push({ d: polyline(r), width: 14 }, { d: polyline(l), width: 14 });
  } else {
    const collar = kind === 'shirt dress';
    right.push(
      [CX, top + (collar ? 70 : 60), collar ? 0 : neckHalf * 0.9],
      [CX + neckHalf, top, 8],
      [CX + chest + 20, top + 20, 25],
      [CX + chest + 95 + s2 * 30, top + 130, 10],
      [CX + chest + 50, top + 170, 10],
    );
    trims.push(...necklineTrim(collar ? 'collar' : 'crew', neckHalf, top, collar ? 70 : 30));
  }
  right.push(
    [CX + chest, top + 150, 30],
    [CX + waist, waistY, 60],
    [CX + hemHalf, hem, 10],
    [CX, hem + 20, 0],
  );
  if (s3 > 0.4) {
    trims.push({
      d: roundedPath([
        [CX - waist - 6, waistY - 18, 4],
        [CX + waist + 6, waistY - 18, 4],
        [CX + waist + 8, waistY + 18, 4],
        [CX - waist - 8, waistY + 18, 4],
      ]),
    });
  }
  const folds = [0.25, 0.55, 0.85].flatMap((t) => [
    quadLine(
      [CX + waist * t, waistY + 30],
      [CX + waist * t + 20, (waistY + hem) / 2],
      [CX + hemHalf * t, hem - 10],
    ),
    quadLine(
      [CX - waist * t, waistY + 30],
      [CX - waist * t - 20, (waistY + hem) / 2],
      [CX - hemHalf * t, hem - 10],
    ),
  ]);
  return {
    body: mirroredPath(CX, right),
    trims,
    seams:
      kind === 'shirt dress'
        ? [
            polyline([
              [CX, top + 70],
              [CX, waistY],
            ]),
          ]
        : [],
    folds,
    buttonLine: kind === 'shirt dress' ? { x: CX, y0: top + 100, y1: waistY - 30 } : null,
    pockets: [
      { x0: CX + waist * 0.5, y0: waistY + 60, x1: CX + waist * 0.5 + 80, y1: waistY + 150 },
      { x0: CX - waist * 0.5 - 80, y0: waistY + 60, x1: CX - waist * 0.5, y1: waistY + 150 },
    ],
    emblemAt: [CX - chest * 0.4, top + 140],
    bounds: {
      x0: CX - Math.max(hemHalf, chest + 130),
      y0: top - 30,
      x1: CX + Math.max(hemHalf, chest + 130),
      y1: hem + 20,
    },
    standing: false,
  };
}

export function skirtSilhouette(kind: string, look: ProductLook): Silhouette {
  const [s0, s1, s2, s3] = look.shape;
  const waistY = 240;
  const waist = 130 + s0 * 40;
  const hem = 620 + s1 * 200;
  const hemHalf =
    kind === 'pencil skirt'
      ? waist + 15 + s2 * 20
      : kind === 'pleated skirt'
        ? waist + 130 + s2 * 80
        : waist + 70 + s2 * 110;
  const right: Point[] = [
    [CX, waistY, 0],
    [CX + waist, waistY, 6],
    [CX + waist + 25, waistY + 110, 80],
    [CX + hemHalf, hem, 10],
    [CX, hem + 15, 0],
  ];
  const band = 30 + s3 * 25;
  const trims: TrimShape[] = [
    {
      d: roundedPath([
        [CX - waist, waistY, 4],
        [CX + waist, waistY, 4],
        [CX + waist + 6, waistY + band, 4],
        [CX - waist - 6, waistY + band, 4],
      ]),
    },
  ];
  const pleats = kind === 'pleated skirt' ? 9 : 4;
  const folds: string[] = [];
  const seams: string[] = [];
  for (let i = 1; i < pleats; i++) {
    const t = (i / pleats) * 2 - 1;
    const line = quadLine(
      [CX + t * waist, waistY + band + 5],
      [CX + t * (waist + hemHalf) * 0.5, (waistY + hem) / 2],
      [CX + t * hemHalf, hem],
    );
    (kind === 'pleated skirt' ? seams : folds).push(line);
  }
  if (kind === 'wrap skirt')
    seams.push(
      quadLine(
        [CX + waist * 0.6, waistY + band],
        [CX + 20, (waistY + hem) / 2],
        [CX - hemHalf * 0.4, hem + 8],
      ),
    );
  return {
    body: mirroredPath(CX, right),
    trims,
    seams,
    folds,
    buttonLine: kind === 'a-line skirt' ? { x: CX, y0: waistY + band + 30, y1: hem - 40 } : null,
    pockets: [
      { x0: CX + waist * 0.35, y0: waistY + band + 40, x1: CX + waist * 0.35 + 90, y1: waistY + band + 140 },
      { x0: CX - waist * 0.35 - 90, y0: waistY + band + 40, x1: CX - waist * 0.35, y1: waistY + band + 140 },
    ],
    emblemAt: [CX + waist * 0.6, waistY + band + 50],
    bounds: { x0: CX - hemHalf - 10, y0: waistY - 10, x1: CX + hemHalf + 10, y1: hem + 20 },
    standing: false,
  };
}

/** Trousers and shorts: one outline, legs cut at a different height. */
export function legwearSilhouette(kind: string, look: ProductLook, short: boolean): Silhouette {
  const [s0, s1, s2, s3] = look.shape;
  const top = short ? 230 : 110;
  const waist = 150 + s0 * 30;
  const hip = waist + 18;
  const crotch = top + (short ? 250 : 300);
  const hemY = short ? top + 380 + s1 * 100 : 860 + s1 * 30;
  const wide = kind === 'wide-leg trousers' ? 70 : 0;
  const legHalf = (short ? 95 : 62) + s2 * 45 + wide;
  const legCentre = CX + hip / 2 + 12 + (s2 - 0.5) * 40 + wide * 0.5;
  const outer = legCentre + legHalf;
  const inner = Math.max(CX + 14, legCentre - legHalf);
  const right: Point[] = [
    [CX, top, 0],
    [CX + waist, top, 5],
    [CX + hip, top + 170, 70],
    [outer, hemY, 5],
    [inner, hemY, 5],
    [CX, crotch, 22],
  ];
  const trims: TrimShape[] = [
    {
      d: roundedPath([
        [CX - waist, top, 4],
        [CX + waist, top, 4],
        [CX + waist + 2, top + 42, 3],
        [CX - waist - 2, top + 42, 3],
      ]),
    },
  ];
  for (const x of [CX - waist * 0.75, CX - waist * 0.25, CX + waist * 0.25, CX + waist * 0.75]) {
    trims.push({
      d: polyline([
        [x, top - 4],
        [x, top + 50],
      ]),
      width: 12,
    });
  }
  if (short && s3 > 0.55) {
    const [r, l] = bothSides([
      [inner - 3, hemY - 50, 3],
      [outer + 3, hemY - 50, 3],
      [outer + 2, hemY + 4, 3],
      [inner - 2, hemY + 4, 3],
    ]);
    trims.push({ d: roundedPath(r) }, { d: roundedPath(l) });
  }
  const [pocketRight, pocketLeft] = bothSides([
    [CX + waist - 75, top + 42],
    [CX + waist - 60, top + 130],
    [CX + hip - 2, top + 140],
  ]);
  const seams = [
    quadLine(pocketRight[0]!, pocketRight[1]!, pocketRight[2]!),
    quadLine(pocketLeft[0]!, pocketLeft[1]!, pocketLeft[2]!),
    `${polyline([
      [CX + 30, top + 42],
      [CX + 30, top + 170],
    ])}Q${n(CX + 30)} ${n(top + 200)} ${n(CX)} ${n(top + 205)}`,
  ];
  const folds = [
    polyline([
      [legCentre, crotch - 40],
      [legCentre + 4, hemY - 10],
    ]),
    polyline([
      [2 * CX - legCentre, crotch - 40],
      [2 * CX - legCentre - 4, hemY - 10],
    ]),
  ];
  const pocketSize = short ? 80 : 95;
  return {
    body: mirroredPath(CX, right),
    trims,
    seams,
    folds,
    buttonLine: null,
    pockets: [
      {
        x0: legCentre - pocketSize / 2,
        y0: crotch + 30,
        x1: legCentre + pocketSize / 2,
        y1: crotch + 30 + pocketSize,
      },
      {
        x0: 2 * CX - legCentre - pocketSize / 2,
        y0: crotch + 30,
        x1: 2 * CX - legCentre + pocketSize / 2,
        y1: crotch + 30 + pocketSize,
      },
    ],
    emblemAt: [CX - waist * 0.55, top + 100],
    bounds: { x0: 2 * CX - outer - 10, y0: top - 10, x1: outer + 10, y1: hemY + 10 },
    standing: false,
  };
}
