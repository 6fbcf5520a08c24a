import onnxProto from 'onnx-proto';

/**
 * A tiny image model the ONNX embedder tests build at run time instead of shipping a
 * fixture: Conv(3→channels, 3×3, bias) → Relu → GlobalAveragePool → Flatten, with seeded
 * weights, plus the same maths in plain JS to check ONNX Runtime's answer against.
 */
export interface TinyConvModel {
  bytes: Uint8Array;
  /** The graph's output for one NCHW float32 input of side `size`, computed in plain JS. */
  reference(input: Float32Array, size: number): Float32Array;
}

export interface TinyConvModelOptions {
  channels: number;
  seed: number;
  /** The input layout; an NHWC model transposes to NCHW before the convolution. */
  layout?: 'NCHW' | 'NHWC';
  /** Declares fixed spatial sides on the input; by default they are symbolic. */
  inputSize?: number;
  /** Appends a Reshape to a length the output never has, so every run fails. */
  failAtRun?: boolean;
}

const { onnx } = onnxProto;
const FLOAT = onnx.TensorProto.DataType.FLOAT;
const KERNEL = 3;

function seededWeights(seed: number, length: number): Float32Array {
  let s = seed >>> 0 || 1;
  return Float32Array.from({ length }, () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x100000000 - 0.5;
  });
}

function tensorType(dims: Array<number | string>): onnxProto.onnx.ITypeProto {
  return {
    tensorType: {
      elemType: FLOAT,
      shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
    },
  };
}

export function buildTinyConvModel(options: TinyConvModelOptions): TinyConvModel {
  const { channels, layout = 'NCHW' } = options;
  const weights = seededWeights(options.seed, channels * 3 * KERNEL * KERNEL);
  const bias = seededWeights(options.seed + 1, channels);
  const side = options.inputSize ?? 'side';
  const nodes: onnxProto.onnx.INodeProto[] = [];
  let current = 'pixels';
  if (layout === 'NHWC') {
    nodes.push({
      opType: 'Transpose',
      input: [current],
      output: ['nchw'],
      attribute: [{ name: 'perm', type: onnx.AttributeProto.AttributeType.INTS, ints: [0, 3, 1, 2] }],
    });
    current = 'nchw';
  }
  nodes.push(
    {
      opType: 'Conv',
      input: [current, 'W', 'B'],
      output: ['conv'],
      attribute: [
        { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: [KERNEL, KERNEL] },
      ],
    },
    { opType: 'Relu', input: ['conv'], output: ['relu'] },
    { opType: 'GlobalAveragePool', input: ['relu'], output: ['pooled'] },
    {
      opType: 'Flatten',
      input: ['pooled'],
      output: [options.failAtRun ? 'flat' : 'embedding'],
      attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 1 }],
    },
  );
  const initializer: onnxProto.onnx.ITensorProto[] = [
    { name: 'W', dims: [channels, 3, KERNEL, KERNEL], dataType: FLOAT, floatData: Array.from(weights) },
    { name: 'B', dims: [channels], dataType: FLOAT, floatData: Array.from(bias) },
  ];
  if (options.failAtRun) {
    nodes.push({ opType: 'Reshape', input: ['flat', 'impossible'], output: ['embedding'] });
    initializer.push({
      name: 'impossible',
      dims: [2],
      dataType: onnx.TensorProto.DataType.INT64,
      int64Data: [1, channels + 1],
    });
  }
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'nlyzer-vision-tests',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny-conv',
      node: nodes,
      initializer,
      input: [
        {
          name: 'pixels',
          type: tensorType(layout === 'NCHW' ? ['batch', 3, side, side] : ['batch', side, side, 3]),
        },
      ],
      output: [{ name: 'embedding', type: tensorType(['batch', channels]) }],
    },
  });

  return {
    bytes: onnx.ModelProto.encode(model).finish(),
    reference(input, size) {
      const outSide = size - KERNEL + 1;
      const out = new Float32Array(channels);
      for (let k = 0; k < channels; k++) {
        let sum = 0;
        for (let y = 0; y < outSide; y++) {
          for (let x = 0; x < outSide; x++) {
            let acc = bias[k]!;
            for (let c = 0; c < 3; c++) {
              for (let dy = 0; dy < KERNEL; dy++) {
                for (let dx = 0; dx < KERNEL; dx++) {
                  acc +=
                    weights[((k * 3 + c) * KERNEL + dy) * KERNEL + dx]! *
                    input[(c * size + y + dy) * size + x + dx]!;
                }
              }
            }
            sum += Math.max(0, acc);
          }
        }
        out[k] = sum / (outSide * outSide);
      }
      return out;
    },
  };
}
