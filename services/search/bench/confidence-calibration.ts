// Fits the logistic confidence model of confidence.ts to observed searches and measures
// how well a model's confidences read as probabilities.
import { type ConfidenceModel, calibratedConfidence } from '../src/features/image-search/confidence.ts';

/** One search: its two best candidate scores and whether its first result was the photo's product. */
export interface CalibrationSample {
  top: number;
  second: number | null;
  correct: boolean;
}

const features = (s: CalibrationSample): [number, number, number] => [
  1,
  s.top,
  s.second === null ? s.top : s.top - s.second,
];

const confidenceOf = (model: ConfidenceModel, s: CalibrationSample) => {
  const [, top, margin] = features(s);
  return 1 / (1 + Math.exp(-(model.intercept + model.top * top + model.margin * margin)));
};

/**
 * Maximum likelihood by Newton's method, with a faint ridge on the two slopes so an easy
 * set that top and margin separate perfectly still has a finite answer.
 */
export function fitConfidenceModel(samples: readonly CalibrationSample[], ridge = 1e-3): ConfidenceModel {
  const rows = samples.map(features);
  const labels = samples.map((s) => (s.correct ? 1 : 0));
  let weights = [0, 0, 0];
  const penalised = (w: number[]) =>
    rows.reduce((sum, x, i) => {
      const z = w[0]! * x[0] + w[1]! * x[1] + w[2]! * x[2];
      // log(1 + e^z) − y·z, written to stay finite for large |z|.
      return sum + Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z))) - labels[i]! * z;
    }, 0) +
    (ridge / 2) * (w[1]! ** 2 + w[2]! ** 2);
  let loss = penalised(weights);
  for (let iteration = 0; iteration < 100; iteration++) {
    const gradient = [0, 0, 0];
    const hessian = [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ];
    rows.forEach((x, i) => {
      const p = 1 / (1 + Math.exp(-(weights[0]! * x[0] + weights[1]! * x[1] + weights[2]! * x[2])));
      for (let a = 0; a < 3; a++) {
        gradient[a]! += (p - labels[i]!) * x[a]!;
        for (let b = 0; b < 3; b++) hessian[a]![b]! += p * (1 - p) * x[a]! * x[b]!;
      }
    });
    for (const a of [1, 2]) {
      gradient[a]! += ridge * weights[a]!;
      hessian[a]![a]! += ridge;
    }
    const step = solve3(hessian, gradient);
    // Halve the Newton step until the loss goes down (it can overshoot far from the optimum).
    let scale = 1;
    let next = weights;
    let nextLoss = loss;
    for (let tries = 0; tries < 30; tries++) {
      next = weights.map((w, k) => w - scale * step[k]!);
      nextLoss = penalised(next);
      if (nextLoss <= loss) break;
      scale /= 2;
    }
    const moved = Math.max(...next.map((w, k) => Math.abs(w - weights[k]!)));
    weights = next;
    loss = nextLoss;
    if (moved < 1e-9) break;
  }
  return { intercept: weights[0]!, top: weights[1]!, margin: weights[2]! };
}

/** Gaussian elimination with partial pivoting for the 3×3 Newton system. */
function solve3(matrix: number[][], vector: number[]): number[] {
  const m = matrix.map((row, i) => [...row, vector[i]!]);
  for (let col = 0; col < 3; col++) {
    let pivot = col;
    for (let row = col + 1; row < 3; row++)
      if (Math.abs(m[row]![col]!) > Math.abs(m[pivot]![col]!)) pivot = row;
    [m[col], m[pivot]] = [m[pivot]!, m[col]!];
    for (let row = col + 1; row < 3; row++) {
      const factor = m[row]![col]! / m[col]![col]!;
      for (let k = col; k < 4; k++) m[row]![k]! -= factor * m[col]![k]!;
    }
  }
  const x = [0, 0, 0];
  for (let row = 2; row >= 0; row--) {
    let sum = m[row]![3]!;
    for (let k = row + 1; k < 3; k++) sum -= m[row]![k]! * x[k]!;
    x[row] = sum / m[row]![row]!;
  }
  return x;
}

/** Expected calibration error over equal-width confidence bins: Σ (bin share) · |accuracy − mean confidence|. */
export function expectedCalibrationError(
  samples: readonly CalibrationSample[],
  confidence: (s: CalibrationSample) => number,
  bins = 10,
): number {
  const sums = Array.from({ length: bins }, () => ({ n: 0, confidence: 0, correct: 0 }));
  for (const s of samples) {
    const c = confidence(s);
    const bin = sums[Math.min(bins - 1, Math.floor(c * bins))]!;
    bin.n++;
    bin.confidence += c;
    bin.correct += s.correct ? 1 : 0;
  }
  return sums.reduce(
    (ece, bin) =>
      bin.n === 0
        ? ece
        : ece + (bin.n / samples.length) * Math.abs(bin.correct / bin.n - bin.confidence / bin.n),
    0,
  );
}

/** The confidence the engine reports with `model` (the shipped constants when it is the current one). */
export const modelConfidence =
  (model: ConfidenceModel) =>
  (s: CalibrationSample): number =>
    confidenceOf(model, s);

/** The engine's own function for an embedder, whatever constants it ships. */
export const shippedConfidence =
  (embedderId: string) =>
  (s: CalibrationSample): number =>
    calibratedConfidence(embedderId, s.top, s.second);
