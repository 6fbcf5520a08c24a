import type { ProductLook } from './generate-catalog.ts';
import type { Silhouette, TrimShape } from './silhouette.ts';
import {
  boxPath,
  domePath,
  ellipsePath,
  type Point,
  polyline,
  quadLine,
  roundedPath,
} from './svg-geometry.ts';

const CX = 500;
const GROUND = 740;

/** Shoes in side view, toe to the right. */
export function shoeSilhouette(kind: string, look: ProductLook): Silhouette {
  const [s0, s1, s2, s3] = look.shape;
  const heelX = 190 + (1 - s0) * 40;
  const toeX = 820 + s0 * 30;
  const raised = kind === 'heels' ? 110 + s1 * 150 : 0;
  const sole = kind === 'sneakers' ? 34 + s3 * 26 : kind === 'heels' ? 10 : 20;
  const base = GROUND - sole;
  const heelBase = base - raised;
  const collarTop =
    kind === 'ankle boots'
      ? base - 380 - s1 * 60
      : kind === 'sneakers'
        ? base - 210 - s1 * 40
        : heelBase - 150 - s1 * 40;
  const upper: Point[] = [
    [heelX + 10, heelBase, 10],
    [heelX - 6, collarTop, 40],
  ];
  if (kind === 'ankle boots') {
    upper.push([heelX + 230 + s2 * 40, collarTop, 20], [heelX + 260 + s2 * 40, base - 170, 90]);
  } else if (kind === 'sneakers') {
    upper.push(
      [heelX + 120, collarTop + 35, 40],
      [heelX + 230, collarTop - 70, 25],
      [heelX + 300, collarTop - 10, 60],
    );
  } else if (kind === 'loafers') {
    upper.push([heelX + 130, base - 110, 50], [heelX + 330 + s2 * 40, base - 175, 40]);
  } else {
    upper.push([heelX + 70, collarTop + 25, 40], [heelX + 250, heelBase + raised * 0.55 - 40, 70]);
  }
  upper.push([toeX - 90, base - 115 + s2 * 25, 90], [toeX + 10, base, 8 + s3 * 40]);
  if (kind === 'heels') upper.push([toeX - 200, base, 60], [heelX + 130, heelBase + raised * 0.2, 90]);

  const trims: TrimShape[] = [];
  if (kind === 'heels') {
    const heelWidth = 25 + s2 * 70;
    trims.push({
      d: roundedPath([
        [heelX + 8, heelBase - 6],
        [heelX + 28 + heelWidth, heelBase + 10],
        [heelX + 22 + heelWidth * 0.6, GROUND],
        [heelX + 22, GROUND],
      ]),
    });
  } else {
    trims.push({
      d: roundedPath([
        [heelX - 12, base - 6, 14],
        [toeX + 16, base - 6, 24],
        [toeX + 8, GROUND, 14],
        [heelX - 6, GROUND, 14],
      ]),
    });
  }
  if (kind === 'sneakers') {
    for (let i = 0; i < 4; i++) {
      const x = heelX + 240 + i * 32;
      const y = collarTop - 40 + i * 30;
      trims.push({
        d: polyline([
          [x - 18, y - 6],
          [x + 22, y + 14],
        ]),
        width: 9,
      });
    }
  }
  if (kind === 'loafers') {
    trims.push({
      d: quadLine([heelX + 300, base - 150], [heelX + 360, base - 120], [heelX + 420, base - 160]),
      width: 22,
    });
  }
  if (kind === 'heels' && s3 > 0.6) {
    trims.push({
      d: polyline([
        [heelX + 5, collarTop + 35],
        [heelX + 120, collarTop + 25],
      ]),
      width: 14,
    });
  }
  if (kind === 'ankle boots' && s3 > 0.5) {
    trims.push({
      d: polyline([
        [heelX + 140, collarTop + 10],
        [heelX + 150, base - 60],
      ]),
      width: 10,
    });
  }
  return {
    body: roundedPath(upper),
    trims,
    seams:
      kind === 'heels'
        ? []
        : [quadLine([heelX + 60, base - 20], [heelX + 200, base - 70], [toeX - 40, base - 30])],
    folds:
      kind === 'heels'
        ? []
        : [quadLine([toeX - 190, base - 70], [toeX - 150, base - 100], [toeX - 110, base - 80])],
    buttonLine: null,
    pockets: [],
    emblemAt: [heelX + 130, (collarTop + base) / 2 + 30],
    bounds: {
      x0: heelX - 20,
      y0: collarTop - (kind === 'sneakers' ? 80 : 10),
      x1: toeX + 20,
      y1: GROUND + 10,
    },
    standing: true,
  };
}

export function bagSilhouette(kind: string, look: ProductLook): Silhouette {
  const [s0, s1, s2, s3] = look.shape;
  const small = kind === 'crossbody bag';
  const topY = (kind === 'backpack' ? 300 : small ? 460 : 420) - s1 * 60;
  const bottom = small ? 740 : 800;
  const topHalf = (small ? 130 : 170) + s0 * 60;
  const bottomHalf = topHalf + (kind === 'backpack' ? 10 : 20 + s2 * 60);
  const corner = kind === 'backpack' ? 120 : 20 + s3 * 40;
  const body = roundedPath([
    [CX - topHalf, topY, corner],
    [CX + topHalf, topY, corner],
    [CX + bottomHalf, bottom, 30 + s3 * 30],
    [CX - bottomHalf, bottom, 30 + s3 * 30],
  ]);
  const trims: TrimShape[] = [];
  const seams: string[] = [];
  let handleTop = topY;
  if (kind === 'tote bag') {
    handleTop = topY - 190 - s2 * 60;
    for (const side of [-1, 1]) {
      const x0 = CX + side * topHalf * 0.25;
      const x1 = CX + side * topHalf * 0.75;
      trims.push({
        d: `M${x0} ${topY + 10}C${x0} ${handleTop} ${x1} ${handleTop} ${x1} ${topY + 10}`,
        width: 20,
      });
    }
  } else if (kind === 'crossbody bag') {
    handleTop = 140;
    trims.push({
      d: polyline([
        [CX - topHalf + 15, topY + 10],
        [CX, handleTop],
        [CX + topHalf - 15, topY + 10],
      ]),
      width: 12,
    });
  } else {
    handleTop = topY - 130 - s2 * 40;
    const x = topHalf * (kind === 'backpack' ? 0.25 : 0.55);
    trims.push({
      d: `M${CX - x} ${topY + 15}C${CX - x} ${handleTop} ${CX + x} ${handleTop} ${CX + x} ${topY + 15}`,
      width: 18,
    });
  }
  if (kind === 'handbag' || kind === 'crossbody bag') {
    const flapY = topY + (bottom - topY) * (0.45 + s3 * 0.15);
    trims.push({
      d: roundedPath([
        [CX - topHalf - 4, topY - 2, corner],
        [CX + topHalf + 4, topY - 2, corner],
        [CX + topHalf * 0.9, flapY - 30, 40],
        [CX, flapY, 60],
        [CX - topHalf * 0.9, flapY - 30, 40],
      ]),
    });
    trims.push({ d: ellipsePath(CX, flapY - 12, 16, 16) });
  }
  if (kind === 'backpack') {
    const pocketTop = topY + (bottom - topY) * 0.5;
    trims.push({
      d: boxPath({ x0: CX - topHalf * 0.7, y0: pocketTop, x1: CX + topHalf * 0.7, y1: bottom - 30 }, 40),
    });
    seams.push(quadLine([CX - topHalf + 30, topY + 70], [CX, topY - 10], [CX + topHalf - 30, topY + 70]));
  }
  return {
    body,
    trims,
    seams,
    folds: [
      quadLine([CX - bottomHalf + 40, bottom - 60], [CX, bottom - 40], [CX + bottomHalf - 40, bottom - 60]),
    ],
    buttonLine: null,
    pockets:
      kind === 'tote bag'
        ? [{ x0: CX - topHalf * 0.5, y0: topY + 200, x1: CX + topHalf * 0.5, y1: bottom - 60 }]
        : [],
    emblemAt: [CX, kind === 'backpack' ? topY + 110 : (topY + bottom) / 2 + (kind === 'tote bag' ? -40 : 90)],
    bounds: { x0: CX - bottomHalf - 10, y0: handleTop - 10, x1: CX + bottomHalf + 10, y1: bottom + 10 },
    standing: true,
  };
}

export function hatSilhouette(kind: string, look: ProductLook): Silhouette {
  const [s0, s1, s2, s3] = look.shape;
  const brimY = 600;
  const trims: TrimShape[] = [];
  const seams: string[] = [];
  let body: string;
  let bounds: Silhouette['bounds'];
  let emblemAt: readonly [number, number];
  if (kind === 'cap') {
    const rx = 200 + s0 * 40;
    const ry = 190 + s1 * 40;
    const visor = 170 + s2 * 80;
    body = `${domePath(CX - 40, brimY, rx, ry)}${roundedPath([
      [CX - 40 + rx - 30, brimY - 20, 10],
      [CX - 40 + rx + visor, brimY - 10 + s3 * 30, 40],
      [CX - 40 + rx + visor - 30, brimY + 40, 30],
      [CX - 40 + rx - 40, brimY + 15, 10],
    ])}`;
    trims.push({ d: ellipsePath(CX - 40, brimY - ry + 4, 18, 12) });
    seams.push(quadLine([CX - 40, brimY - ry + 10], [CX + 60, brimY - ry * 0.7], [CX + 70, brimY]));
    seams.push(quadLine([CX - 40, brimY - ry + 10], [CX - 140, brimY - ry * 0.7], [CX - 150, brimY]));
    bounds = { x0: CX - 40 - rx - 10, y0: brimY - ry - 15, x1: CX - 40 + rx + visor + 10, y1: brimY + 50 };
    emblemAt = [CX + 40, brimY - ry * 0.5];
  } else if (kind === 'beanie') {
    const rx = 220 + s0 * 40;
    const ry = 260 + s1 * 60;
    const cuff = 80 + s2 * 50;
    body = domePath(CX, brimY + 80, rx, ry);
    trims.push({
      d: boxPath({ x0: CX - rx - 12, y0: brimY + 80 - cuff, x1: CX + rx + 12, y1: brimY + 90 }, 20),
    });
    if (s3 > 0.35) trims.push({ d: ellipsePath(CX, brimY + 80 - ry - 30, 60 + s3 * 30, 55 + s3 * 25) });
    for (let x = CX - rx + 20; x < CX + rx - 10; x += 28)
      seams.push(
        polyline([
          [x, brimY + 85 - cuff],
          [x, brimY + 85],
        ]),
      );
    bounds = { x0: CX - rx - 15, y0: brimY + 80 - ry - 120, x1: CX + rx + 15, y1: brimY + 95 };
    emblemAt = [CX, brimY + 80 - cuff / 2];
  } else {
    const sun = kind === 'sun hat';
    const brim = (sun ? 300 : 250) + s0 * 180;
    const brimDepth = (sun ? 60 : 40) + s3 * 60;
    const crown = 140 + s2 * 70;
    const height = (sun ? 150 : 190) + s1 * 130;
    const crownPath = sun
      ? domePath(CX, brimY, crown, height)
      : roundedPath([
          [CX - crown, brimY, 0],
          [CX - crown + 25, brimY - height, 60],
          [CX, brimY - height + 35, 40],
          [CX + crown - 25, brimY - height, 60],
          [CX + crown, brimY, 0],
        ]);
    body = `${ellipsePath(CX, brimY, brim, brimDepth)}${crownPath}`;
    const band = 40 + s3 * 25;
    trims.push({
      d: roundedPath([
        [CX - crown - 2, brimY - band, 0],
        [CX + crown + 2, brimY - band, 0],
        [CX + crown + 3, brimY, 0],
        [CX - crown - 3, brimY, 0],
      ]),
    });
    bounds = { x0: CX - brim - 10, y0: brimY - height - 10, x1: CX + brim + 10, y1: brimY + brimDepth + 10 };
    emblemAt = [CX + crown * 0.55, brimY - band / 2];
    if (s3 > 0.5) {
      // a bow on the band
      const bx = CX - crown * 0.5;
      const by = brimY - band / 2;
      trims.push(
        {
          d: roundedPath([
            [bx, by],
            [bx - 60, by - 35, 10],
            [bx - 60, by + 35, 10],
          ]),
        },
        {
          d: roundedPath([
            [bx, by],
            [bx + 60, by - 35, 10],
            [bx + 60, by + 35, 10],
          ]),
        },
      );
    }
  }
  return {
    body,
    trims,
    seams,
    folds: [quadLine([CX - 100, brimY - 150], [CX - 60, brimY - 200], [CX - 20, brimY - 160])],
    buttonLine: null,
    pockets: [],
    emblemAt,
    bounds,
    standing: true,
  };
}

export function scarfSilhouette(kind: string, look: ProductLook): Silhouette {
  const [s0, s1, s2] = look.shape;
  const trims: TrimShape[] = [];
  let body: string;
  let bounds: Silhouette['bounds'];
  const fringe: Array<readonly [number, number, number, number]> = [];
  if (kind === 'shawl') {
    const half = 320 + s0 * 60;
    const tip = 760 + s1 * 80;
    body = roundedPath([
      [CX - half, 220, 20],
      [CX + half, 220, 20],
      [CX + 10, tip, 30],
      [CX - 10, tip, 30],
    ]);
    trims.push({
      d: roundedPath([
        [CX - half - 5, 200, 20],
        [CX + half + 5, 200, 20],
        [CX + half - 20, 250, 10],
        [CX - half + 20, 250, 10],
      ]),
    });
    for (let t = 0.05; t < 0.98; t += 0.045) {
      for (const side of [-1, 1]) {
        const x = CX + side * (half - (half - 10) * t);
        const y = 235 + (tip - 235) * t;
        fringe.push([x, y, x + side * 22, y + 32]);
      }
    }
    bounds = { x0: CX - half - 30, y0: 190, x1: CX + half + 30, y1: tip + 40 };
  } else {
    const width = 130 + s0 * 50;
    const bottom = 800 + s1 * 60;
    const lean = (s2 - 0.5) * 80;
    const left: [number, number] = [CX - width - 40, CX - 40];
    const right: [number, number] = [CX - 10 + lean * 0.3, CX + width - 10 + lean * 0.3];
    body =
      roundedPath([
        [left[0], 230, 30],
        [left[1], 230, 10],
        [left[1] + lean * 0.5, bottom - 60, 6],
        [left[0] + lean * 0.5, bottom - 60, 6],
      ]) +
      roundedPath([
        [right[0], 230, 10],
        [right[1], 230, 30],
        [right[1] + lean, bottom, 6],
        [right[0] + lean, bottom, 6],
      ]) +
      roundedPath([
        [left[0] - 10, 170, 60],
        [right[1] + 10, 170, 60],
        [right[1] + 5, 260, 20],
        [left[0] - 5, 260, 20],
      ]);
    for (const [x0, x1, y, dx] of [
      [left[0] + lean * 0.5, left[1] + lean * 0.5, bottom - 60, lean * 0.1],
      [right[0] + lean, right[1] + lean, bottom, lean * 0.1],
    ] as const) {
      for (let x = x0 + 8; x < x1 - 4; x += 16) fringe.push([x, y, x + dx, y + 45]);
    }
    bounds = { x0: left[0] - 20, y0: 160, x1: right[1] + Math.max(0, lean) + 20, y1: bottom + 55 };
  }
  for (const [x0, y0, x1, y1] of fringe)
    trims.push({
      d: polyline([
        [x0, y0],
        [x1, y1],
      ]),
      width: 6,
    });
  return {
    body,
    trims,
    seams: [],
    folds: [
      quadLine([CX - 60, 300], [CX - 50, 500], [CX - 70, 700]),
      quadLine([CX + 60, 320], [CX + 80, 520], [CX + 60, 720]),
    ],
    buttonLine: null,
    pockets: [],
    emblemAt: [CX + 40, 600],
    bounds,
    standing: false,
  };
}
