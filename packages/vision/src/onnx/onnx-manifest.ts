import { type Static, Type } from 'typebox';
import { Value } from 'typebox/value';
import { OnnxEmbedderError } from './onnx-embedder-error.ts';

/**
 * `embedder.json`, written next to `model.onnx` by whoever exports the model: how to
 * feed it one RGB image and which output is the embedding.
 *
 * ```json
 * {
 *   "id": "onnx-clip-vit-b32",
 *   "inputName": "pixel_values",
 *   "inputSize": 224,
 *   "layout": "NCHW",
 *   "mean": [0.48145466, 0.4578275, 0.40821073],
 *   "std": [0.26862954, 0.26130258, 0.27577711],
 *   "outputName": "image_embeds"
 * }
 * ```
 *
 * - `id` (optional): the embedder id, default `onnx`. Give two models different ids only
 *   if both must be served side by side; a replaced model keeps the id and changes version.
 * - `inputName`: the model's float32 image input, fed with batch 1.
 * - `inputSize`: the square side the image is resized (shorter side) and centre-cropped to.
 * - `layout`: `NCHW` (PyTorch exports) or `NHWC` (TensorFlow exports).
 * - `mean` / `std`: per RGB channel on the 0..1 scale; each pixel becomes (v/255 - mean) / std.
 * - `outputName`: the float32 output taken as the embedding; everything after the batch
 *   dimension is flattened, so the model must do its own pooling.
 */
export const OnnxManifest = Type.Object(
  {
    id: Type.Optional(Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$', maxLength: 64 })),
    inputName: Type.String({ minLength: 1 }),
    inputSize: Type.Integer({ minimum: 1, maximum: 4096 }),
    layout: Type.Enum(['NCHW', 'NHWC']),
    mean: Type.Array(Type.Number(), { minItems: 3, maxItems: 3 }),
    std: Type.Array(Type.Number({ exclusiveMinimum: 0 }), { minItems: 3, maxItems: 3 }),
    outputName: Type.String({ minLength: 1 }),
  },
  { additionalProperties: false },
);

export type OnnxManifest = Static<typeof OnnxManifest>;

/** Parses and checks the manifest; the error names the file and every bad field. */
export function parseOnnxManifest(text: string, path: string): OnnxManifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new OnnxEmbedderError('manifest_invalid', `${path} is not valid JSON`, { cause: error });
  }
  if (!Value.Check(OnnxManifest, value)) {
    const problems = [...Value.Errors(OnnxManifest, value)].flatMap((e) => {
      const field = e.instancePath || '/';
      if (e.keyword === 'additionalProperties') return []; // each extra field is reported on its own
      if (e.keyword === 'boolean') return [`${field} is not a known field`];
      if (e.keyword === 'enum') return [`${field} must be one of ${e.params.allowedValues.join(', ')}`];
      return [`${field} ${e.message}`];
    });
    throw new OnnxEmbedderError('manifest_invalid', `${path}: ${problems.join('; ')}`);
  }
  return value;
}
