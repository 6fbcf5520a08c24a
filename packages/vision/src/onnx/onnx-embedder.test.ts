import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { l2Normalise } from '../descriptor-embedder.ts';
import type { DecodedImage } from '../embedder.ts';
import { createOnnxEmbedder, type OnnxEmbedder } from './onnx-embedder.ts';
import { OnnxEmbedderError } from './onnx-embedder-error.ts';
import type { OnnxManifest } from './onnx-manifest.ts';
import { buildTinyConvModel } from './tiny-conv-model.ts';

const root = await mkdtemp(join(tmpdir(), 'onnx-embedder-'));
const opened: OnnxEmbedder[] = [];
afterAll(async () => {
  await Promise.all(opened.map((e) => e.close()));
  await rm(root, { recursive: true, force: true });
});

const MANIFEST: OnnxManifest = {
  inputName: 'pixels',
  inputSize: 8,
  layout: 'NCHW',
  mean: [0.5, 0.4, 0.3],
  std: [0.25, 0.2, 0.3],
  outputName: 'embedding',
};

let dirs = 0;
async function modelDir(model: Uint8Array | string | null, manifest: unknown = MANIFEST): Promise<string> {
  const dir = join(root, `model-${dirs++}`);
  await mkdir(dir);
  if (model !== null) await writeFile(join(dir, 'model.onnx'), model);
  if (manifest !== null) {
    await writeFile(
      join(dir, 'embedder.json'),
      typeof manifest === 'string' ? manifest : JSON.stringify(manifest),
    );
  }
  return dir;
}

async function open(dir: string): Promise<OnnxEmbedder> {
  const embedder = await createOnnxEmbedder({ modelDir: dir, threads: 1 });
  opened.push(embedder);
  return embedder;
}

function noiseImage(width: number, height: number, seed: number): DecodedImage {
  let s = seed;
  const data = Uint8Array.from({ length: width * height * 3 }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s >>> 23;
  });
  return { width, height, data };
}

/** The manifest's normalisation on a crop of the image, as NCHW floats. */
function normalisedCrop(image: DecodedImage, x0: number, y0: number, size: number): Float32Array {
  const out = new Float32Array(3 * size * size);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = image.data[((y0 + y) * image.width + x0 + x) * 3 + c]! / 255;
        out[(c * size + y) * size + x] = (v - MANIFEST.mean[c]!) / MANIFEST.std[c]!;
      }
    }
  }
  return out;
}

async function expectFailure(promise: Promise<unknown>, code: string, mentions: string[]): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OnnxEmbedderError);
  expect((error as OnnxEmbedderError).code).toBe(code);
  for (const text of mentions) expect((error as Error).message).toContain(text);
}

describe('createOnnxEmbedder', () => {
  const model = buildTinyConvModel({ channels: 8, seed: 7 });

  it('computes what the same crop, normalisation, convolution and pooling give in plain JS', async () => {
    const embedder = await open(await modelDir(model.bytes));
    expect(embedder.id).toBe('onnx');
    expect(embedder.dims).toBe(8);
    // 12×8 with an 8-pixel input: the shorter side needs no resampling, the crop keeps columns 2..9
    const image = noiseImage(12, 8, 3);
    const expected = l2Normalise(model.reference(normalisedCrop(image, 2, 0, 8), 8));
    const vector = await embedder.embed(image);
    expect(vector).toHaveLength(8);
    for (let i = 0; i < 8; i++) expect(vector[i]).toBeCloseTo(expected[i]!, 5);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
  });

  it('resizes larger photos and runs concurrent calls to the same answers as sequential ones', async () => {
    const embedder = await open(await modelDir(model.bytes));
    const images = [noiseImage(40, 64, 1), noiseImage(300, 200, 2), noiseImage(8, 8, 3)];
    const sequential: Float32Array[] = [];
    for (const image of images) sequential.push(await embedder.embed(image));
    const concurrent = await Promise.all(images.map((image) => embedder.embed(image)));
    expect(concurrent).toEqual(sequential);
    expect(sequential[0]).not.toEqual(sequential[1]);
  });

  it('feeds NHWC models the same pixels, transposed', async () => {
    const nchw = await open(await modelDir(model.bytes));
    const nhwc = await open(
      await modelDir(buildTinyConvModel({ channels: 8, seed: 7, layout: 'NHWC' }).bytes, {
        ...MANIFEST,
        layout: 'NHWC',
      }),
    );
    const image = noiseImage(30, 20, 9);
    const [a, b] = [await nchw.embed(image), await nhwc.embed(image)];
    for (let i = 0; i < 8; i++) expect(b[i]).toBeCloseTo(a[i]!, 5);
  });

  it('reads dims from the model and derives the version from the model and manifest bytes', async () => {
    const base = await open(await modelDir(model.bytes));
    const copy = await open(await modelDir(model.bytes));
    const otherWeights = await open(await modelDir(buildTinyConvModel({ channels: 8, seed: 8 }).bytes));
    const fewerChannels = await open(await modelDir(buildTinyConvModel({ channels: 5, seed: 7 }).bytes));
    const otherMean = await open(await modelDir(model.bytes, { ...MANIFEST, mean: [0.5, 0.5, 0.5] }));
    const named = await open(await modelDir(model.bytes, { ...MANIFEST, id: 'onnx-tiny' }));
    expect(copy.version).toBe(base.version);
    expect(base.version).toMatch(/^[0-9a-f]{16}$/);
    expect(new Set([base, otherWeights, fewerChannels, otherMean].map((e) => e.version)).size).toBe(4);
    expect(fewerChannels.dims).toBe(5);
    expect(await fewerChannels.embed(noiseImage(9, 9, 4))).toHaveLength(5);
    expect(named.id).toBe('onnx-tiny');
  });

  it('names the missing file', async () => {
    const noModel = await modelDir(null);
    await expectFailure(createOnnxEmbedder({ modelDir: noModel }), 'model_missing', [
      join(noModel, 'model.onnx'),
    ]);
    const noManifest = await modelDir(model.bytes, null);
    await expectFailure(createOnnxEmbedder({ modelDir: noManifest }), 'manifest_missing', [
      join(noManifest, 'embedder.json'),
    ]);
  });

  it('refuses a garbled model file', async () => {
    const garbled = model.bytes.slice(0, model.bytes.length / 2);
    const dir = await modelDir(garbled);
    await expectFailure(createOnnxEmbedder({ modelDir: dir }), 'model_invalid', [join(dir, 'model.onnx')]);
  });

  it('names every bad manifest field', async () => {
    await expectFailure(
      createOnnxEmbedder({ modelDir: await modelDir(model.bytes, '{"inputName":') }),
      'manifest_invalid',
      ['not valid JSON'],
    );
    const { outputName: _, ...withoutOutput } = MANIFEST;
    await expectFailure(
      createOnnxEmbedder({
        modelDir: await modelDir(model.bytes, {
          ...withoutOutput,
          layout: 'CHW',
          std: [1, 0, 1],
          extra: true,
        }),
      }),
      'manifest_invalid',
      ['embedder.json', 'outputName', '/layout must be one of NCHW, NHWC', '/std/1 must be > 0', '/extra'],
    );
  });

  it('checks the manifest against the model it describes', async () => {
    await expectFailure(
      createOnnxEmbedder({ modelDir: await modelDir(model.bytes, { ...MANIFEST, inputName: 'image' }) }),
      'manifest_invalid',
      ['inputName "image"', '[pixels]'],
    );
    await expectFailure(
      createOnnxEmbedder({ modelDir: await modelDir(model.bytes, { ...MANIFEST, outputName: 'logits' }) }),
      'manifest_invalid',
      ['outputName "logits"', '[embedding]'],
    );
    const fixed = buildTinyConvModel({ channels: 8, seed: 7, inputSize: 16 });
    await expectFailure(createOnnxEmbedder({ modelDir: await modelDir(fixed.bytes) }), 'manifest_invalid', [
      'inputSize 8',
      '[16,16]',
    ]);
  });

  it('reports a model that fails to run while loading it', async () => {
    const dir = await modelDir(buildTinyConvModel({ channels: 8, seed: 7, failAtRun: true }).bytes);
    await expectFailure(createOnnxEmbedder({ modelDir: dir }), 'inference_failed', [join(dir, 'model.onnx')]);
  });

  it('fails embed() with a typed error once closed', async () => {
    const embedder = await createOnnxEmbedder({ modelDir: await modelDir(model.bytes) });
    await embedder.close();
    await expectFailure(embedder.embed(noiseImage(8, 8, 1)), 'inference_failed', ['8×8']);
  });
});
