// Writes our C3D (any configuration, its current weights) as an ONNX model, so onnxruntime runs
// exactly the weights we run: Conv + Relu, MaxPool, Flatten, Gemm + Relu (fc6, fc7; dropout is
// identity at inference). Output is fc7's features, as C3D.forward returns in eval mode.
// Bench-only: imports the model and the protobuf writer, nothing from node.
import { type C3D, c3dPools } from '../../src/models/index.js';
import type { Tensor } from '../../src/index.js';
import { ProtoMessage } from './protobuf.js';

// ONNX enum values (onnx.proto): TensorProto.DataType.FLOAT, AttributeProto.AttributeType INT / INTS.
const FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;
const OPSET = 17;
const IR_VERSION = 8;

function tensorProto(name: string, t: Tensor): ProtoMessage {
  const data = t.dataSync() as Float32Array;
  return new ProtoMessage()
    .ints(1, t.shape as number[])
    .int(2, FLOAT)
    .string(8, name)
    .bytes(9, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function valueInfo(name: string, shape: readonly number[]): ProtoMessage {
  const dims = new ProtoMessage();
  for (const d of shape) dims.message(1, new ProtoMessage().int(1, d));
  const tensorType = new ProtoMessage().int(1, FLOAT).message(2, dims);
  return new ProtoMessage().string(1, name).message(2, new ProtoMessage().message(1, tensorType));
}

type Attr = [string, number | readonly number[]];

function node(op: string, inputs: string[], outputs: string[], attrs: Attr[] = []): ProtoMessage {
  const m = new ProtoMessage();
  for (const i of inputs) m.string(1, i);
  for (const o of outputs) m.string(2, o);
  m.string(3, `${op}_${outputs[0]}`).string(4, op);
  for (const [name, v] of attrs) {
    const a = new ProtoMessage().string(1, name);
    if (typeof v === 'number') a.int(3, v).int(20, ATTR_INT);
    else a.ints(8, v).int(20, ATTR_INTS);
    m.message(5, a);
  }
  return m;
}

/** The model bytes for `model` at batch `batch`; input `clip` [batch, C, L, H, W], output `features` [batch, featureSize]. */
export function c3dToOnnx(model: C3D, batch: number): Uint8Array {
  const g = new ProtoMessage().string(2, 'c3d');
  const pools = c3dPools(model.config);
  const three = (v: number | readonly number[] | undefined, dflt: number): number[] =>
    v === undefined ? [dflt, dflt, dflt] : typeof v === 'number' ? [v, v, v] : [...v];
  let x = 'clip';
  const conv = (name: 'conv1' | 'conv2' | 'conv3a' | 'conv3b' | 'conv4a' | 'conv4b' | 'conv5a' | 'conv5b') => {
    const layer = model[name];
    g.message(5, tensorProto(`${name}.weight`, layer.weight)).message(5, tensorProto(`${name}.bias`, layer.bias!));
    g.message(
      1,
      node(
        'Conv',
        [x, `${name}.weight`, `${name}.bias`],
        [`${name}_out`],
        [
          ['kernel_shape', [3, 3, 3]],
          ['pads', [1, 1, 1, 1, 1, 1]],
          ['strides', [1, 1, 1]],
        ],
      ),
    );
    g.message(1, node('Relu', [`${name}_out`], [`${name}_relu`]));
    x = `${name}_relu`;
  };
  const pool = (name: keyof typeof pools) => {
    const p = pools[name];
    const k = three(p.kernelSize, 1),
      s = three(p.stride ?? p.kernelSize, 1),
      pad = three(p.padding, 0);
    g.message(
      1,
      node(
        'MaxPool',
        [x],
        [name],
        [
          ['kernel_shape', k],
          ['strides', s],
          ['pads', [...pad, ...pad]],
        ],
      ),
    );
    x = name;
  };
  conv('conv1');
  pool('pool1');
  conv('conv2');
  pool('pool2');
  conv('conv3a');
  conv('conv3b');
  pool('pool3');
  conv('conv4a');
  conv('conv4b');
  pool('pool4');
  conv('conv5a');
  conv('conv5b');
  pool('pool5');
  g.message(1, node('Flatten', [x], ['flat'], [['axis', 1]]));
  x = 'flat';
  for (const name of ['fc6', 'fc7'] as const) {
    const layer = model[name];
    g.message(5, tensorProto(`${name}.weight`, layer.weight)).message(5, tensorProto(`${name}.bias`, layer.bias!));
    // Linear's weight is [out, in]: Gemm with transB computes x W^T + b.
    g.message(1, node('Gemm', [x, `${name}.weight`, `${name}.bias`], [`${name}_out`], [['transB', 1]]));
    g.message(1, node('Relu', [`${name}_out`], [name === 'fc7' ? 'features' : `${name}_relu`]));
    x = `${name}_relu`;
  }
  const { inChannels, clipLength, inputSize } = model.config;
  g.message(11, valueInfo('clip', [batch, inChannels, clipLength, inputSize[0], inputSize[1]]));
  g.message(12, valueInfo('features', [batch, model.featureSize]));
  return new ProtoMessage()
    .int(1, IR_VERSION)
    .string(2, 'plm-ipe bench')
    .message(7, g)
    .message(8, new ProtoMessage().string(1, '').int(2, OPSET))
    .finish();
}
