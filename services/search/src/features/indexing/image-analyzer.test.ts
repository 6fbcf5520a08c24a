import {
  createDescriptorEmbedder,
  createGeometricVerifier,
  createRgbHistogramEmbedder,
  decodeLocalFeatures,
} from '@nlyzer/vision';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { productPhoto } from '../../../test/catalog-fixtures.ts';
import { createImageAnalyzer } from './image-analyzer.ts';

describe('image analyzer', () => {
  const verifier = () => createGeometricVerifier();
  const threaded = createImageAnalyzer({ threads: 1, verifier });
  const inline = createImageAnalyzer({ threads: 0, verifier });
  afterAll(async () => {
    await threaded.close();
    await inline.close();
  });

  it('gives the same analysis in a worker thread as on the main thread', async () => {
    const embedder = createDescriptorEmbedder();
    const images = [await productPhoto(4, 256), await productPhoto(5, 96)];
    const [inThread, onMain] = await Promise.all([
      threaded.analyze(images, embedder),
      inline.analyze(images, embedder),
    ]);
    expect(inThread).toEqual(onMain);
    const [first] = onMain.images;
    expect(first?.ok && first.image.vectors.length).toBeGreaterThan(1);
    expect(first?.ok && decodeLocalFeatures(first.image.localFeatures).points.length).toBeGreaterThan(0);
    expect(onMain.images.map((outcome) => outcome.ok && outcome.image.width)).toEqual([256, 96]);
    expect(onMain.styleDna?.colours.length).toBeGreaterThan(0);
    // The caller's buffers are copied before they are handed to the thread.
    expect(images[0]!.length).toBeGreaterThan(0);
  });

  it('reports an undecodable image as an outcome, not a failure of the product analysis', async () => {
    const truncated = (await productPhoto(1)).subarray(0, 200);
    const png = await sharp(await productPhoto(2))
      .png()
      .toBuffer();
    const analysis = await threaded.analyze([truncated, png], createDescriptorEmbedder());
    expect(analysis.styleDna).toBeNull();
    expect(analysis.images[0]).toEqual({ ok: false, reason: 'the jpeg image could not be decoded' });
    expect(analysis.images[1]).toMatchObject({ ok: true, image: { width: 128, height: 128 } });
  });

  it('keeps embedders a thread cannot rebuild on the main thread', async () => {
    const embedder = createRgbHistogramEmbedder();
    const analysis = await threaded.analyze([await productPhoto(3)], embedder);
    expect(analysis.images[0]).toMatchObject({ ok: true });
    expect(
      (analysis.images[0] as { ok: true; image: { vectors: Float32Array[] } }).image.vectors[0],
    ).toHaveLength(embedder.dims);
  });
});
