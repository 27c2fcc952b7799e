// Parity with TensorFlow.js (its plain-JS cpu backend) for the ops a C3D + classifier stack
// uses: conv3d, maxPool3d, avgPool3d, softmax, logSoftmax, cross entropy, matmul with
// transposes and the activations, forward values AND gradients of L = sum(f(inputs) * R).
// Layouts are converted here: plm-ipe is NCDHW with weight [out, in, kD, kH, kW] (PyTorch),
// tfjs is NDHWC with filter [kD, kH, kW, in, out]. tfjs has no explicit conv/pool padding, so
// padding is written as tf.pad (zeros for conv and avg pooling, -Infinity for max pooling) and
// a 'valid' op; dilated gradients (which tfjs does not implement) go through an explicitly
// dilated kernel. LSTM and Adam parity live in the layers/optim tests.
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  avgPool3d, conv3d, exp, log, logSoftmax, matmul, maxPool3d, sigmoid, softmax, tanh, tensor, tidy, transpose, type Tensor,
} from '../../src/index.js';
import { distinct, expectClose, uniform } from '../helpers/gradcheck.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// Tolerance: 1e-4 relative, plus an absolute floor of 1e-5 of the largest |expected| value.
// The floor is needed because both libraries round to float32 (tfjs also accumulates conv and
// matmul sums in float32), so an element that is a sum of terms of size ~max cancelling to
// near zero carries an absolute error ~1e-7..1e-6 * max that no relative bound can absorb.
const RTOL = 1e-4;
function close(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string): void {
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]));
  expectClose(actual, expected, { rtol: RTOL, atol: 1e-5 * scale, label });
}

interface ParityInput {
  shape: number[];
  values: Float32Array;
  /** Compare this input's gradient (default true). */
  grad?: boolean;
}

/**
 * Runs `ours` and `theirs` on the same inputs (both in plm-ipe's layout; `theirs` converts
 * inside), compares the outputs, then the gradients of sum(out * R) for every input.
 */
function parity(
  label: string,
  ours: (...xs: Tensor[]) => Tensor,
  theirs: (...xs: tf.Tensor[]) => tf.Tensor,
  inputs: ParityInput[],
): void {
  const wanted = inputs.map((i) => i.grad ?? true);
  let outShape: number[] = [];
  let outValues: Float32Array = new Float32Array(0);
  let R: Float32Array = new Float32Array(0);
  const ourGrads: Float32Array[] = [];
  tidy(() => {
    const leaves = inputs.map((inp, k) => tensor(inp.values, inp.shape, { requiresGrad: wanted[k] }));
    const y = ours(...leaves);
    outShape = [...y.shape];
    outValues = y.dataSync();
    R = uniform(y.size, -1, 1, `R:${label}`);
    y.backward(tensor(R, outShape));
    leaves.forEach((leaf, k) => {
      if (!wanted[k]) return;
      ourGrads[k] = leaf.grad!.dataSync();
      leaf.grad!.dispose();
    });
  });
  const { value, grads } = tf.tidy(() => {
    const xs = inputs.map((inp) => tf.tensor(inp.values, inp.shape));
    const out = theirs(...xs);
    const r = tf.tensor(R, outShape);
    const g = tf.grads((...args: tf.Tensor[]) => tf.sum(tf.mul(theirs(...args), r)))(xs);
    expect(out.shape, `${label}: output shape`).toEqual(outShape);
    return { value: out.dataSync() as Float32Array, grads: g.map((t) => t.dataSync() as Float32Array) };
  });
  close(outValues, value, `${label}: forward`);
  inputs.forEach((_, k) => {
    if (wanted[k]) close(ourGrads[k], grads[k], `${label}: gradient of input ${k}`);
  });
}

/** Values of a tensor computed inside a tidy scope (tidy returns tensors, not arrays). */
function valuesOf(fn: () => Tensor): Float32Array {
  let v: Float32Array = new Float32Array(0);
  tidy(() => {
    v = fn().dataSync();
  });
  return v;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);
const rand = (shape: number[], seed: string, lo = -1, hi = 1): ParityInput => ({ shape, values: uniform(size(shape), lo, hi, seed) });

// ---- layout conversion ----
const toNDHWC = (x: tf.Tensor) => tf.transpose(x, [0, 2, 3, 4, 1]);
const toNCDHW = (x: tf.Tensor) => tf.transpose(x, [0, 4, 1, 2, 3]);
/** [out, in, kD, kH, kW] -> [kD, kH, kW, in, out]. */
const toTfFilter = (w: tf.Tensor) => tf.transpose(w, [2, 3, 4, 1, 0]);
const triple = (v: number | readonly number[] | undefined, dflt: number): [number, number, number] =>
  v === undefined ? [dflt, dflt, dflt] : typeof v === 'number' ? [v, v, v] : [v[0], v[1], v[2]];

/**
 * A kernel with dilation d as an ordinary kernel of extent d (k - 1) + 1 with zeros between
 * taps, written as a constant selection matrix times the flattened kernel so tfjs can take its
 * gradient.
 */
function dilateFilter(f: tf.Tensor, dil: [number, number, number]): tf.Tensor {
  const [kD, kH, kW, cin, cout] = f.shape;
  const [DD, DH, DW] = [dil[0] * (kD - 1) + 1, dil[1] * (kH - 1) + 1, dil[2] * (kW - 1) + 1];
  const S = new Float32Array(DD * DH * DW * kD * kH * kW);
  for (let a = 0; a < kD; a++)
    for (let b = 0; b < kH; b++)
      for (let c = 0; c < kW; c++) {
        const row = (a * dil[0] * DH + b * dil[1]) * DW + c * dil[2];
        S[row * kD * kH * kW + (a * kH + b) * kW + c] = 1;
      }
  const flat = tf.reshape(f, [kD * kH * kW, cin * cout]);
  return tf.reshape(tf.matMul(tf.tensor2d(S, [DD * DH * DW, kD * kH * kW]), flat), [DD, DH, DW, cin, cout]);
}

function tfConv3d(opts: { stride?: number | number[]; padding?: number | number[]; dilation?: number | number[] }, withBias: boolean) {
  const stride = triple(opts.stride, 1);
  const pad = triple(opts.padding, 0);
  const dil = triple(opts.dilation, 1);
  return (x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor => {
    const xp = tf.pad(toNDHWC(x), [[0, 0], [pad[0], pad[0]], [pad[1], pad[1]], [pad[2], pad[2]], [0, 0]]);
    let f = toTfFilter(w);
    if (dil.some((d) => d !== 1)) f = dilateFilter(f, dil);
    let y = tf.conv3d(xp as tf.Tensor5D, f as tf.Tensor5D, stride, 'valid');
    if (withBias && b) y = tf.add(y, b);
    return toNCDHW(y);
  };
}

describe('tfjs parity: conv3d (forward and all gradients)', () => {
  const cases: { name: string; x: number[]; w: number[]; bias: boolean; opts: { stride?: number | [number, number, number]; padding?: number | [number, number, number]; dilation?: number | [number, number, number] } }[] = [
    { name: '3x3x3 "same" (C3D), bias', x: [1, 2, 4, 5, 5], w: [3, 2, 3, 3, 3], bias: true, opts: { padding: 1 } },
    { name: 'stride 2, padding 1, batch 2, odd sizes', x: [2, 3, 5, 7, 6], w: [2, 3, 3, 3, 3], bias: true, opts: { stride: 2, padding: 1 } },
    { name: 'anisotropic stride/padding/kernel', x: [1, 2, 6, 5, 7], w: [4, 2, 2, 3, 1], bias: false, opts: { stride: [1, 2, 3], padding: [0, 1, 0] } },
    { name: 'dilation 2 with padding 2', x: [2, 2, 5, 6, 6], w: [2, 2, 3, 3, 2], bias: true, opts: { dilation: 2, padding: 2 } },
    { name: 'dilation [1, 2, 3] with stride 2', x: [1, 2, 6, 7, 9], w: [3, 2, 2, 2, 3], bias: false, opts: { dilation: [1, 2, 3], stride: 2 } },
    { name: '1x1x1 kernel, batch 3', x: [3, 4, 2, 3, 3], w: [5, 4, 1, 1, 1], bias: true, opts: {} },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const inputs = [rand(c.x, `cx:${c.name}`), rand(c.w, `cw:${c.name}`)];
      if (c.bias) inputs.push(rand([c.w[0]], `cb:${c.name}`));
      parity(`conv3d ${c.name}`, (x, w, b) => conv3d(x, w, b ?? null, c.opts), tfConv3d(c.opts, c.bias), inputs);
    });
  }
  it('dilation means the same as tfjs\'s own dilations argument (forward)', () => {
    const x = rand([1, 2, 6, 6, 6], 'dil-x');
    const w = rand([2, 2, 2, 3, 2], 'dil-w');
    const ours = valuesOf(() => conv3d(tensor(x.values, x.shape), tensor(w.values, w.shape), null, { dilation: [2, 1, 2] }));
    const theirs = tf.tidy(() =>
      toNCDHW(tf.conv3d(toNDHWC(tf.tensor(x.values, x.shape)) as tf.Tensor5D, toTfFilter(tf.tensor(w.values, w.shape)) as tf.Tensor5D, 1, 'valid', 'NDHWC', [2, 1, 2])).dataSync() as Float32Array,
    );
    close(ours, theirs, 'conv3d dilation forward');
  });
  it('padding 1 with a 3x3x3 kernel equals tfjs \'same\' (forward)', () => {
    const x = rand([2, 2, 3, 4, 5], 'same-x');
    const w = rand([2, 2, 3, 3, 3], 'same-w');
    const ours = valuesOf(() => conv3d(tensor(x.values, x.shape), tensor(w.values, w.shape), null, { padding: 1 }));
    const theirs = tf.tidy(() =>
      toNCDHW(tf.conv3d(toNDHWC(tf.tensor(x.values, x.shape)) as tf.Tensor5D, toTfFilter(tf.tensor(w.values, w.shape)) as tf.Tensor5D, 1, 'same')).dataSync() as Float32Array,
    );
    close(ours, theirs, 'conv3d same forward');
  });
});

describe('tfjs parity: pooling (forward and gradient)', () => {
  function tfMaxPool(k: number | [number, number, number], s: number | [number, number, number], pad: number | [number, number, number]) {
    const p = triple(pad, 0);
    return (x: tf.Tensor) => {
      // PyTorch pads max pooling with -inf: padding never wins.
      const xp = tf.pad(toNDHWC(x), [[0, 0], [p[0], p[0]], [p[1], p[1]], [p[2], p[2]], [0, 0]], -Infinity);
      return toNCDHW(tf.maxPool3d(xp as tf.Tensor5D, k, s, 'valid'));
    };
  }
  const maxCases: { name: string; x: number[]; k: number | [number, number, number]; s: number | [number, number, number]; p: number | [number, number, number] }[] = [
    { name: 'kernel 2 stride 2 (valid)', x: [1, 2, 4, 6, 4], k: 2, s: 2, p: 0 },
    { name: 'overlapping kernel 3 stride 2, batch 2, odd sizes', x: [2, 2, 5, 7, 5], k: 3, s: 2, p: 0 },
    { name: 'kernel 3 stride 2 padding 1', x: [1, 3, 5, 6, 7], k: 3, s: 2, p: 1 },
    { name: 'C3D pool1 kernel [1, 2, 2]', x: [1, 2, 3, 4, 6], k: [1, 2, 2], s: [1, 2, 2], p: 0 },
    { name: 'C3D pool5 kernel 2 padding [0, 1, 1]', x: [1, 2, 4, 3, 3], k: 2, s: 2, p: [0, 1, 1] },
  ];
  for (const c of maxCases) {
    it(`maxPool3d ${c.name}`, () => {
      parity(`maxPool3d ${c.name}`, (x) => maxPool3d(x, { kernelSize: c.k, stride: c.s, padding: c.p }), tfMaxPool(c.k, c.s, c.p), [
        { shape: c.x, values: distinct(size(c.x), `mp:${c.name}`, 0.01) },
      ]);
    });
  }
  it("maxPool3d padding 1 equals tfjs 'same' where tfjs pads symmetrically (kernel 3, strides 1 and 2, odd sizes)", () => {
    for (const s of [1, 2]) {
      const xs = [1, 2, 5, 7, 3];
      parity(`maxPool3d same s${s}`, (x) => maxPool3d(x, { kernelSize: 3, stride: s, padding: 1 }), (x) => toNCDHW(tf.maxPool3d(toNDHWC(x) as tf.Tensor5D, 3, s, 'same')), [
        { shape: xs, values: distinct(size(xs), `mps:${s}`, 0.01) },
      ]);
    }
  });
  it('avgPool3d valid, and padding with countIncludePad true (zero padding)', () => {
    const xs = [2, 2, 5, 4, 6];
    parity('avgPool3d valid', (x) => avgPool3d(x, { kernelSize: [3, 2, 2], stride: [2, 2, 1] }), (x) => toNCDHW(tf.avgPool3d(toNDHWC(x) as tf.Tensor5D, [3, 2, 2], [2, 2, 1], 'valid')), [rand(xs, 'ap1')]);
    parity(
      'avgPool3d pad include',
      (x) => avgPool3d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: true }),
      (x) => toNCDHW(tf.avgPool3d(tf.pad(toNDHWC(x), [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]]) as tf.Tensor5D, 3, 2, 'valid')),
      [rand(xs, 'ap2')],
    );
  });
  it("avgPool3d with countIncludePad false: forward equals tfjs 'same', gradient equals a manual tf expression", () => {
    // tfjs's own 'same' avgPool3d gradient divides by the full kernel volume at the borders too
    // (tfjs-backend-cpu AvgPool3DGrad: avgMultiplier = 1 / (kD kH kW)), which is not the
    // derivative of its forward there, so its gradient is checked against an expression whose
    // derivative tfjs gets right: sum over the zero-padded window / number of valid elements.
    const xs = [1, 2, 5, 7, 3]; // odd sizes: tfjs 'same' then pads 1 on both sides for strides 1 and 2
    for (const s of [1, 2]) {
      const x = rand(xs, `aps${s}`);
      const ours = valuesOf(() => avgPool3d(tensor(x.values, xs), { kernelSize: 3, stride: s, padding: 1, countIncludePad: false }));
      const same = tf.tidy(() => toNCDHW(tf.avgPool3d(toNDHWC(tf.tensor(x.values, xs)) as tf.Tensor5D, 3, s, 'same')).dataSync() as Float32Array);
      close(ours, same, `avgPool3d same s${s} forward`);
      const pads: [number, number][] = [[0, 0], [1, 1], [1, 1], [1, 1], [0, 0]];
      parity(
        `avgPool3d exclude-pad s${s}`,
        (t) => avgPool3d(t, { kernelSize: 3, stride: s, padding: 1, countIncludePad: false }),
        (t) => {
          const n = toNDHWC(t);
          const sums = tf.avgPool3d(tf.pad(n, pads) as tf.Tensor5D, 3, s, 'valid');
          const counts = tf.avgPool3d(tf.pad(tf.onesLike(n), pads) as tf.Tensor5D, 3, s, 'valid');
          return toNCDHW(tf.div(sums, counts));
        },
        [x],
      );
    }
  });
});

describe('tfjs parity: softmax, logSoftmax, cross entropy', () => {
  /** tfjs softmax works on the last dim only: move `dim` last and back. */
  function tfAlong(f: (t: tf.Tensor) => tf.Tensor, dim: number, rank: number) {
    const d = dim < 0 ? dim + rank : dim;
    const perm = [...Array(rank).keys()].filter((i) => i !== d).concat(d);
    const inverse = perm.map((_, i) => perm.indexOf(i));
    return (x: tf.Tensor) => tf.transpose(f(tf.transpose(x, perm)), inverse);
  }
  for (const [shape, dim] of [[[3, 5], 1], [[3, 5], 0], [[2, 4, 3], 1], [[2, 3, 4], -1]] as [number[], number][]) {
    it(`softmax / logSoftmax shape [${shape}] dim ${dim}`, () => {
      const x = rand(shape, `sm:${shape}:${dim}`, -3, 3);
      parity(`softmax ${shape} ${dim}`, (t) => softmax(t, dim), tfAlong((t) => tf.softmax(t), dim, shape.length), [x]);
      parity(`logSoftmax ${shape} ${dim}`, (t) => logSoftmax(t, dim), tfAlong((t) => tf.logSoftmax(t), dim, shape.length), [x]);
    });
  }
  it('softmax of large logits (no overflow)', () => {
    const x = { shape: [2, 4], values: Float32Array.from([80, 90, 100, 85, -100, -95, -120, -90]) };
    parity('softmax large', (t) => softmax(t, 1), (t) => tf.softmax(t), [x]);
    parity('logSoftmax large', (t) => logSoftmax(t, 1), (t) => tf.logSoftmax(t), [x]);
  });
  it('cross entropy as -sum(onehot * logSoftmax) equals tf.losses.softmaxCrossEntropy (per row and its gradient)', () => {
    const labels = [0, 3, 1, 4, 2, 2];
    const N = labels.length;
    const C = 5;
    const onehot = new Float32Array(N * C);
    labels.forEach((l, i) => (onehot[i * C + l] = 1));
    const logits = rand([N, C], 'ce', -4, 4);
    parity(
      'cross entropy',
      (z, y) => logSoftmax(z, 1).mul(y).sum(1).neg(),
      (z, y) => tf.losses.softmaxCrossEntropy(y, z, undefined, 0, tf.Reduction.NONE),
      [logits, { shape: [N, C], values: onehot, grad: false }],
    );
    // The mean loss's gradient is (softmax - onehot) / N, as both libraries should agree.
    tidy(() => {
      const z = tensor(logits.values, [N, C], { requiresGrad: true });
      logSoftmax(z, 1).mul(tensor(onehot, [N, C])).sum(1).neg().mean().backward();
      const expected = tf.tidy(() => tf.div(tf.sub(tf.softmax(tf.tensor(logits.values, [N, C])), tf.tensor(onehot, [N, C])), N).dataSync() as Float32Array);
      close(z.grad!.dataSync(), expected, 'cross entropy mean gradient');
      z.grad!.dispose();
    });
  });
});

describe('tfjs parity: matmul with transposes', () => {
  const cases: { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
    { name: 'a b', a: [3, 4], b: [4, 5], ta: false, tb: false },
    { name: 'a b^T', a: [3, 4], b: [5, 4], ta: false, tb: true },
    { name: 'a^T b', a: [4, 3], b: [4, 5], ta: true, tb: false },
    { name: 'a^T b^T', a: [4, 3], b: [5, 4], ta: true, tb: true },
    { name: 'batched a^T b^T', a: [2, 4, 3], b: [2, 5, 4], ta: true, tb: true },
    { name: 'batched a b^T', a: [3, 2, 6], b: [3, 4, 6], ta: false, tb: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      parity(
        `matmul ${c.name}`,
        (a, b) => matmul(c.ta ? transpose(a) : a, c.tb ? transpose(b) : b),
        (a, b) => tf.matMul(a, b, c.ta, c.tb),
        [rand(c.a, `mma:${c.name}`), rand(c.b, `mmb:${c.name}`)],
      );
    });
  }
});

describe('tfjs parity: activations', () => {
  const x = rand([4, 6], 'act', -6, 6);
  it('sigmoid tanh exp', () => {
    parity('sigmoid', (t) => sigmoid(t), (t) => tf.sigmoid(t), [x]);
    parity('tanh', (t) => tanh(t), (t) => tf.tanh(t), [x]);
    parity('exp', (t) => exp(t), (t) => tf.exp(t), [x]);
  });
  it('sigmoid at large magnitudes (both tails)', () => {
    parity('sigmoid tails', (t) => sigmoid(t), (t) => tf.sigmoid(t), [{ shape: [6], values: Float32Array.from([-30, -15, -5, 5, 15, 30]) }]);
  });
  it('log', () => {
    parity('log', (t) => log(t), (t) => tf.log(t), [rand([4, 6], 'log', 0.05, 5)]);
  });
});
