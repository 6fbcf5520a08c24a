import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { l2Normalise } from '../descriptor-embedder.ts';
import type { DecodedImage, ImageEmbedder } from '../embedder.ts';
import { OnnxEmbedderError } from './onnx-embedder-error.ts';
import { type OnnxManifest, parseOnnxManifest } from './onnx-manifest.ts';

export interface OnnxEmbedderOptions {
  /** Holds `model.onnx` and `embedder.json` (see OnnxManifest); nothing is downloaded. */
  modelDir: string;
  /** Threads one inference may use; ONNX Runtime's default is one per physical core. */
  threads?: number;
}

export interface OnnxEmbedder extends ImageEmbedder {
  /** Frees the native session; embed() fails afterwards. */
  close(): Promise<void>;
}

async function readRequired(path: string, code: 'model_missing' | 'manifest_missing'): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new OnnxEmbedderError(code, `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
}

/** Resize the shorter side to the input size, centre-crop the square, normalise per channel. */
async function toInputTensor(image: DecodedImage, manifest: OnnxManifest): Promise<ort.Tensor> {
  const { inputSize: size, mean, std, layout } = manifest;
  const pixels = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } })
    .resize(size, size, { fit: 'cover', position: 'centre', kernel: 'cubic' })
    .raw()
    .toBuffer();
  const plane = size * size;
  const out = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      const value = (pixels[p * 3 + c]! / 255 - mean[c]!) / std[c]!;
      out[layout === 'NCHW' ? c * plane + p : p * 3 + c] = value;
    }
  }
  return new ort.Tensor('float32', out, layout === 'NCHW' ? [1, 3, size, size] : [1, size, size, 3]);
}

/** Fixed spatial sides the model declares for its input, to catch a manifest that disagrees. */
function declaredSides(
  metadata: ort.InferenceSession.ValueMetadata,
  layout: OnnxManifest['layout'],
): unknown[] {
  if (!metadata.isTensor) return [];
  return layout === 'NCHW' ? metadata.shape.slice(2, 4) : metadata.shape.slice(1, 3);
}

/**
 * An image embedder backed by an exported vision model (e.g. CLIP's image tower) run with
 * ONNX Runtime on the CPU. The model is checked and run once on a grey image while loading,
 * so a wrong manifest fails at start-up rather than on the first shopper's photo, and the
 * vector length is read from what the model really returns.
 */
export async function createOnnxEmbedder(options: OnnxEmbedderOptions): Promise<OnnxEmbedder> {
  const modelPath = join(options.modelDir, 'model.onnx');
  const manifestPath = join(options.modelDir, 'embedder.json');
  const modelBytes = await readRequired(modelPath, 'model_missing');
  const manifestBytes = await readRequired(manifestPath, 'manifest_missing');
  const manifest = parseOnnxManifest(new TextDecoder().decode(manifestBytes), manifestPath);

  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelBytes, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      // every failure reaches the caller as an OnnxEmbedderError; ORT's own stderr lines
      // would bypass the service's structured log
      logSeverityLevel: 4,
      ...(options.threads === undefined ? {} : { intraOpNumThreads: options.threads }),
    });
  } catch (error) {
    throw new OnnxEmbedderError(
      'model_invalid',
      `${modelPath} cannot be loaded: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }

  const fail = (message: string): never => {
    void session.release();
    throw new OnnxEmbedderError('manifest_invalid', `${manifestPath}: ${message}`);
  };
  const inputIndex = session.inputNames.indexOf(manifest.inputName);
  if (inputIndex < 0)
    fail(`inputName "${manifest.inputName}" is not among the model's inputs [${session.inputNames}]`);
  if (!session.outputNames.includes(manifest.outputName)) {
    fail(`outputName "${manifest.outputName}" is not among the model's outputs [${session.outputNames}]`);
  }
  const sides = declaredSides(session.inputMetadata[inputIndex]!, manifest.layout);
  if (sides.some((side) => typeof side === 'number' && side !== manifest.inputSize)) {
    fail(`inputSize ${manifest.inputSize} does not match the model's ${manifest.layout} input [${sides}]`);
  }

  // onnxruntime-node runs each inference synchronously on the JS thread, so concurrent
  // embed() calls are serialised by the event loop; the session itself is thread-safe.
  async function infer(image: DecodedImage): Promise<Float32Array> {
    let output: ort.Tensor | undefined;
    try {
      const results = await session.run({ [manifest.inputName]: await toInputTensor(image, manifest) });
      output = results[manifest.outputName];
    } catch (error) {
      throw new OnnxEmbedderError(
        'inference_failed',
        `${modelPath} failed on a ${image.width}×${image.height} image: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (output?.type !== 'float32') {
      throw new OnnxEmbedderError(
        'inference_failed',
        `${modelPath} output "${manifest.outputName}" is ${output?.type}, expected float32`,
      );
    }
    const vector = Float32Array.from(output.data as Float32Array);
    if (!vector.every(Number.isFinite)) {
      throw new OnnxEmbedderError('inference_failed', `${modelPath} returned non-finite values`);
    }
    return l2Normalise(vector);
  }

  const grey: DecodedImage = {
    width: manifest.inputSize,
    height: manifest.inputSize,
    data: new Uint8Array(manifest.inputSize * manifest.inputSize * 3).fill(128),
  };
  let dims: number;
  try {
    dims = (await infer(grey)).length;
  } catch (error) {
    await session.release();
    throw error;
  }

  return {
    id: manifest.id ?? 'onnx',
    version: createHash('sha256').update(modelBytes).update(manifestBytes).digest('hex').slice(0, 16),
    dims,
    async embed(image) {
      const vector = await infer(image);
      if (vector.length !== dims) {
        throw new OnnxEmbedderError(
          'inference_failed',
          `${modelPath} returned ${vector.length} values for a ${image.width}×${image.height} image, expected ${dims}`,
        );
      }
      return vector;
    },
    close: () => session.release(),
  };
}
