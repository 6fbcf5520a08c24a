import type { Box } from './svg-geometry.ts';

/** A line drawn in the trim colour: filled when `width` is absent, stroked when present (straps, laces). */
export interface TrimShape {
  d: string;
  width?: number;
}

/**
 * One product's outline and the places its details go, in a 1000×1000 drawing. The
 * renderer fills `body` with the fabric, then draws trims, seams, folds and the details
 * the product's look asks for at the anchors given here.
 */
export interface Silhouette {
  body: string;
  trims: TrimShape[];
  /** seams and edges: thin dark lines (plackets, flies, flap edges) */
  seams: string[];
  /** creases: soft, wide, translucent lines that make the fabric look draped */
  folds: string[];
  /** where buttons go, top to bottom; null when the kind has none */
  buttonLine: { x: number; y0: number; y1: number } | null;
  /** candidate pocket boxes, used in order */
  pockets: Box[];
  /** centre of a printed logo or label */
  emblemAt: readonly [number, number];
  bounds: Box;
  /** sits on a surface (shadow below) rather than hangs (shadow behind) */
  standing: boolean;
}
