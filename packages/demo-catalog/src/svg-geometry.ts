/** Path building for the silhouettes: rounded polygons, mirrored halves, a few shapes. */

/** x, y and the corner radius there (0 = sharp). */
export type Point = readonly [number, number, number?];

export interface Box {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

export function n(v: number): string {
  return (Math.round(v * 10) / 10).toString();
}

function towards(from: Point, to: Point, distance: number): string {
  const dx = to[0] - from[0];
  const dy = to[1] - from[1];
  const length = Math.hypot(dx, dy) || 1;
  const d = Math.min(distance, length / 2);
  return `${n(from[0] + (dx / length) * d)} ${n(from[1] + (dy / length) * d)}`;
}

/** A closed path through `points`, each corner rounded by its own radius (cut at most half an edge). */
export function roundedPath(points: readonly Point[]): string {
  let d = '';
  points.forEach((p, i) => {
    const command = i === 0 ? 'M' : 'L';
    const radius = p[2] ?? 0;
    if (radius <= 0) {
      d += `${command}${n(p[0])} ${n(p[1])}`;
      return;
    }
    const prev = points[(i - 1 + points.length) % points.length]!;
    const next = points[(i + 1) % points.length]!;
    d += `${command}${towards(p, prev, radius)}Q${n(p[0])} ${n(p[1])} ${towards(p, next, radius)}`;
  });
  return `${d}Z`;
}

/**
 * The right half of a symmetric outline, listed clockwise from the top of the axis to its
 * bottom, completed with its mirror image: garments are drawn once per side.
 */
export function mirroredPath(cx: number, rightHalf: readonly Point[]): string {
  const onAxis = (p: Point) => Math.abs(p[0] - cx) < 1e-6;
  const left = rightHalf
    .filter((p) => !onAxis(p))
    .reverse()
    .map((p): Point => [2 * cx - p[0], p[1], p[2]]);
  return roundedPath([...rightHalf, ...left]);
}

export function ellipsePath(cx: number, cy: number, rx: number, ry: number): string {
  return `M${n(cx - rx)} ${n(cy)}A${n(rx)} ${n(ry)} 0 1 0 ${n(cx + rx)} ${n(cy)}A${n(rx)} ${n(ry)} 0 1 0 ${n(cx - rx)} ${n(cy)}Z`;
}

/** The upper half of an ellipse, closed along its diameter. */
export function domePath(cx: number, cy: number, rx: number, ry: number): string {
  return `M${n(cx - rx)} ${n(cy)}A${n(rx)} ${n(ry)} 0 0 1 ${n(cx + rx)} ${n(cy)}Z`;
}

export function polyline(points: readonly Point[]): string {
  return points.map((p, i) => `${i === 0 ? 'M' : 'L'}${n(p[0])} ${n(p[1])}`).join('');
}

export function quadLine(from: Point, control: Point, to: Point): string {
  return `M${n(from[0])} ${n(from[1])}Q${n(control[0])} ${n(control[1])} ${n(to[0])} ${n(to[1])}`;
}

export function boxPath(box: Box, radius: number): string {
  return roundedPath([
    [box.x0, box.y0, radius],
    [box.x1, box.y0, radius],
    [box.x1, box.y1, radius],
    [box.x0, box.y1, radius],
  ]);
}
