// Rows of the public ops (src/tensor/ops) on explicit inputs. `gradcheck: true` rows are checked
// against central finite differences (./../gradcheck.ts: inputs stay away from kinks and ties where
// the derivative is undefined); rows with a `tfjs` twin against TensorFlow.js's cpu backend,
// forward values and the gradients of sum(out * R); rows with `on` also on those backends against
// the cpu backend.
import {
  abs,
  add,
  avgPool3d,
  broadcastTo,
  clone,
  concat,
  conv3d,
  conv3dRelu,
  cos,
  div,
  dropout,
  exp,
  flatten,
  linear,
  log,
  logSoftmax,
  lstmSequence,
  manualSeed,
  matmul,
  max,
  maxPool3d,
  maximum,
  mean,
  min,
  minimum,
  mul,
  neg,
  permute,
  pow,
  relu,
  reshape,
  sigmoid,
  sin,
  slice,
  softmax,
  sqrt,
  square,
  squeeze,
  stack,
  sub,
  sum,
  tanh,
  transpose,
  unsqueeze,
  where,
  type Conv3dOptions,
  type Pool3dOptions,
} from '../../../src/index.js';
import type { GradInput } from '../gradcheck.js';
import type { OpRow } from '../table.js';
import { awayFromZero, distinct, sizeOf, uniform } from '../inputs.js';
import { lstmOutputs } from './lstm.js';
import { alongDim, padSpatial, tfConv3d, toNCDHW, toNDHWC, toTfFilter, triple } from './tfjs-twins.js';

const inp = (shape: number[], extra: Partial<GradInput> = {}): GradInput => ({ shape, ...extra });
type Spec = Omit<OpRow, 'kind' | 'name' | 'op' | 'inputs' | 'call'>;
const grad = (op: string, name: string, inputs: GradInput[], call: OpRow['call'], extra: Spec = {}): OpRow => ({
  kind: 'op',
  op,
  name,
  inputs,
  call,
  gradcheck: true,
  ...extra,
});
const twin = (
  op: string,
  name: string,
  inputs: GradInput[],
  call: OpRow['call'],
  tfjs: OpRow['tfjs'],
  extra: Spec = {},
): OpRow => ({ kind: 'op', op, name, inputs, call, tfjs, ...extra });

// ---- elementwise ----

const binaryRows: OpRow[] = [
  grad('add', 'add', [inp([2, 3]), inp([2, 3])], (a, b) => add(a, b)),
  grad('add', 'add broadcast [2,3,4] + [3,1]', [inp([2, 3, 4]), inp([3, 1])], (a, b) => add(a, b)),
  grad('add', 'add scalar', [inp([2, 3]), inp([])], (a, b) => add(a, b)),
  grad('add', 'add number', [inp([4])], (a) => add(2, a)),
  grad('sub', 'sub', [inp([2, 3]), inp([2, 3])], (a, b) => sub(a, b)),
  grad('sub', 'sub broadcast [4] - [3,1]', [inp([4]), inp([3, 1])], (a, b) => sub(a, b)),
  grad('sub', 'sub number - x', [inp([3])], (a) => sub(1.5, a)),
  grad('mul', 'mul', [inp([2, 3]), inp([2, 3])], (a, b) => mul(a, b)),
  grad('mul', 'mul broadcast [2,1,4] * [3,1]', [inp([2, 1, 4]), inp([3, 1])], (a, b) => mul(a, b)),
  grad('div', 'div', [inp([2, 3]), inp([2, 3], { values: awayFromZero(6, 0.5, 2, 'div') })], (a, b) => div(a, b)),
  grad('div', 'div broadcast', [inp([2, 3]), inp([3], { values: awayFromZero(3, 0.5, 2, 'div2') })], (a, b) =>
    div(a, b),
  ),
  grad('div', 'div number / x', [inp([4], { values: awayFromZero(4, 0.5, 2, 'div3') })], (a) => div(2, a)),
  grad('pow', 'pow', [inp([2, 3], { range: [0.5, 2] }), inp([2, 3], { range: [-1.5, 2] })], (a, b) => pow(a, b)),
  grad('pow', 'pow broadcast', [inp([2, 3], { range: [0.5, 2] }), inp([3], { range: [-1, 2] })], (a, b) => pow(a, b)),
  grad('pow', 'pow x^3 (negative base)', [inp([5], { range: [-1.5, 1.5] })], (a) => pow(a, 3)),
  grad('pow', 'pow x^0.5', [inp([5], { range: [0.5, 2] })], (a) => pow(a, 0.5)),
];

/** maximum/minimum away from ties: b = a + a gap of at least 0.1 either way. */
const mmA = uniform(12, -1, 1, 'mm');
const mmGap = awayFromZero(12, 0.1, 0.8, 'mm-gap');
const mmB = mmA.map((v, i) => v + mmGap[i]);
const maxMinRows: OpRow[] = [
  grad('maximum', 'maximum', [inp([3, 4], { values: mmA }), inp([3, 4], { values: mmB })], (x, y) => maximum(x, y)),
  grad('minimum', 'minimum', [inp([3, 4], { values: mmA }), inp([3, 4], { values: mmB })], (x, y) => minimum(x, y)),
  grad(
    'maximum',
    'maximum broadcast',
    [inp([3, 4], { values: distinct(12, 'mb', 0.2) }), inp([4], { values: [0.03, -0.51, 0.47, 1.13] })],
    (x, y) => maximum(x, y),
  ),
];

const U = [2, 3, 2];
const unaryRows: OpRow[] = [
  grad('neg', 'neg', [inp(U)], (x) => neg(x)),
  grad('exp', 'exp', [inp(U, { range: [-2, 2] })], (x) => exp(x)),
  grad('square', 'square', [inp(U, { range: [-2, 2] })], (x) => square(x)),
  grad('sin', 'sin', [inp(U, { range: [-3, 3] })], (x) => sin(x)),
  grad('cos', 'cos', [inp(U, { range: [-3, 3] })], (x) => cos(x)),
  grad('sigmoid', 'sigmoid', [inp(U, { range: [-4, 4] })], (x) => sigmoid(x)),
  grad('tanh', 'tanh', [inp(U, { range: [-2, 2] })], (x) => tanh(x)),
  grad('log', 'log (positive inputs)', [inp(U, { range: [0.3, 3] })], (x) => log(x)),
  grad('sqrt', 'sqrt (positive inputs)', [inp(U, { range: [0.3, 3] })], (x) => sqrt(x)),
  grad('abs', 'abs (away from 0)', [inp(U, { values: awayFromZero(12, 0.05, 2, 'abs') })], (x) => abs(x)),
  grad('relu', 'relu (away from 0)', [inp(U, { values: awayFromZero(12, 0.05, 2, 'relu') })], (x) => relu(x)),
  twin('sigmoid', 'sigmoid vs tfjs', [inp([4, 6], { range: [-6, 6] })], (t) => sigmoid(t), {
    call: (tf, t) => tf.sigmoid(t),
  }),
  twin('tanh', 'tanh vs tfjs', [inp([4, 6], { range: [-6, 6] })], (t) => tanh(t), { call: (tf, t) => tf.tanh(t) }),
  twin('exp', 'exp vs tfjs', [inp([4, 6], { range: [-6, 6] })], (t) => exp(t), { call: (tf, t) => tf.exp(t) }),
  twin(
    'sigmoid',
    'sigmoid at large magnitudes (both tails) vs tfjs',
    [inp([6], { values: [-30, -15, -5, 5, 15, 30] })],
    (t) => sigmoid(t),
    { call: (tf, t) => tf.sigmoid(t) },
  ),
  twin('log', 'log vs tfjs', [inp([4, 6], { range: [0.05, 5] })], (t) => log(t), { call: (tf, t) => tf.log(t) }),
];

// ---- reductions ----

const reductionRows: OpRow[] = [];
for (const dim of [undefined, 0, 1, -1, [0, 2]] as (number | number[] | undefined)[]) {
  for (const keepDim of [false, true]) {
    const label = `dim ${JSON.stringify(dim) ?? 'all'} keepDim ${keepDim}`;
    const values = distinct(24, `maxmin:${label}`, 0.1);
    reductionRows.push(
      grad('sum', `sum ${label}`, [inp([2, 3, 4])], (x) => sum(x, dim, keepDim)),
      grad('mean', `mean ${label}`, [inp([2, 3, 4])], (x) => mean(x, dim, keepDim)),
      grad('max', `max ${label} (no ties)`, [inp([2, 3, 4], { values })], (x) => max(x, dim, keepDim)),
      grad('min', `min ${label} (no ties)`, [inp([2, 3, 4], { values })], (x) => min(x, dim, keepDim)),
    );
  }
}

// ---- matmul and linear ----

const mm = (a: number[], b: number[]): OpRow =>
  grad('matmul', `matmul [${a}]x[${b}]`, [inp(a), inp(b)], (x, y) => matmul(x, y));
const MATMUL_TRANSPOSES: { name: string; a: number[]; b: number[]; ta: boolean; tb: boolean }[] = [
  { name: 'a b', a: [3, 4], b: [4, 5], ta: false, tb: false },
  { name: 'a b^T', a: [3, 4], b: [5, 4], ta: false, tb: true },
  { name: 'a^T b', a: [4, 3], b: [4, 5], ta: true, tb: false },
  { name: 'a^T b^T', a: [4, 3], b: [5, 4], ta: true, tb: true },
  { name: 'batched a^T b^T', a: [2, 4, 3], b: [2, 5, 4], ta: true, tb: true },
  { name: 'batched a b^T', a: [3, 2, 6], b: [3, 4, 6], ta: false, tb: true },
];
const matmulRows: OpRow[] = [
  mm([3, 4], [4, 5]),
  mm([2, 3, 4], [2, 4, 5]),
  // A broadcast batch (either side); batch dims of different ranks broadcast as in NumPy.
  mm([2, 3, 4], [4, 5]),
  mm([3, 4], [2, 4, 5]),
  mm([2, 2, 3, 4], [1, 4, 2]),
  mm([1, 1, 3, 4], [2, 4, 5]),
  mm([2, 3, 4], [1, 2, 4, 5]),
  // 1-D operands.
  mm([4], [4, 5]),
  mm([3, 4], [4]),
  mm([4], [4]),
  mm([4], [2, 4, 3]),
  grad('linear', 'linear+bias', [inp([5, 4]), inp([3, 4]), inp([3])], (x, w, b) => linear(x, w, b)),
  grad('linear', 'linear no bias', [inp([5, 4]), inp([3, 4])], (x, w) => linear(x, w)),
  grad('linear', 'linear 3-D x', [inp([2, 3, 4]), inp([3, 4]), inp([3])], (x, w, b) => linear(x, w, b)),
  grad('linear', 'linear 1-D x', [inp([4]), inp([3, 4]), inp([3])], (x, w, b) => linear(x, w, b)),
  ...MATMUL_TRANSPOSES.map((c) =>
    twin(
      'matmul',
      `matmul ${c.name} vs tfjs`,
      [inp(c.a), inp(c.b)],
      (a, b) => matmul(c.ta ? transpose(a) : a, c.tb ? transpose(b) : b),
      { call: (tf, a, b) => tf.matMul(a, b, c.ta, c.tb) },
    ),
  ),
];

// ---- layout ----

const L = [2, 3, 4];
const layoutRows: OpRow[] = [
  grad('reshape', 'reshape', [inp(L)], (x) => reshape(x, [6, 4])),
  grad('reshape', 'reshape -1', [inp(L)], (x) => reshape(x, [4, -1]).mul(reshape(x, [4, -1]))),
  grad('flatten', 'flatten(1)', [inp(L)], (x) => flatten(x, 1)),
  grad('flatten', 'flatten all', [inp(L)], (x) => flatten(x)),
  grad('squeeze', 'squeeze', [inp([2, 1, 3, 1])], (x) => squeeze(x)),
  grad('squeeze', 'squeeze(1)', [inp([2, 1, 3])], (x) => squeeze(x, 1)),
  grad('unsqueeze', 'unsqueeze', [inp([2, 3])], (x) => unsqueeze(x, 1).mul(unsqueeze(x, -1).sum())),
  grad('permute', 'permute', [inp(L)], (x) => permute(x, [2, 0, 1])),
  grad('transpose', 'transpose(0, 2)', [inp(L)], (x) => transpose(x, 0, 2)),
  grad('transpose', 'transpose default', [inp(L)], (x) => transpose(x)),
  grad('slice', 'slice', [inp(L)], (x) => slice(x, [1, 0, 1], [1, 2, 2])),
  grad('slice', 'slice -1', [inp(L)], (x) => slice(x, [0, 1], [-1, -1])),
  grad('slice', 'slice negative begin', [inp(L)], (x) => slice(x, [0, -2, 0], [2, 2, 3])),
  grad('concat', 'concat dim 1', [inp([2, 1, 3]), inp([2, 3, 3]), inp([2, 2, 3])], (a, b, c) => concat([a, b, c], 1)),
  grad('concat', 'concat dim -1', [inp([2, 3]), inp([2, 1])], (a, b) => concat([a, b], -1)),
  grad('concat', 'concat same tensor twice', [inp([2, 3])], (a) => concat([a, a], 0)),
  grad('stack', 'stack dim 1', [inp([2, 3]), inp([2, 3])], (a, b) => stack([a, b], 1)),
  grad('stack', 'stack dim -1', [inp([3]), inp([3]), inp([3])], (a, b, c) => stack([a, b, c], -1)),
  grad('broadcastTo', 'broadcastTo', [inp([3, 1])], (x) => broadcastTo(x, [2, 3, 4])),
  grad('broadcastTo', 'broadcastTo scalar', [inp([])], (x) => broadcastTo(x, [2, 3])),
  grad('clone', 'clone', [inp(L)], (x) => clone(x)),
];

// ---- softmax and cross entropy ----

const LARGE_LOGITS = [100, 101, 99.5, -50, -51, -49.2];
const softmaxRows: OpRow[] = [
  ...[0, 1, 2, -1].flatMap((dim) => [
    grad('softmax', `softmax dim ${dim}`, [inp([2, 3, 4], { range: [-2, 2] })], (x) => softmax(x, dim)),
    grad('logSoftmax', `logSoftmax dim ${dim}`, [inp([2, 3, 4], { range: [-2, 2] })], (x) => logSoftmax(x, dim)),
  ]),
  grad('softmax', 'softmax large (stability)', [inp([2, 3], { values: LARGE_LOGITS })], (x) => softmax(x, 1)),
  grad('logSoftmax', 'logSoftmax large (stability)', [inp([2, 3], { values: LARGE_LOGITS })], (x) => logSoftmax(x, 1)),
  ...(
    [
      [[3, 5], 1],
      [[3, 5], 0],
      [[2, 4, 3], 1],
      [[2, 3, 4], -1],
    ] as [number[], number][]
  ).flatMap(([shape, dim]) => [
    twin('softmax', `softmax [${shape}] dim ${dim} vs tfjs`, [inp(shape, { range: [-3, 3] })], (t) => softmax(t, dim), {
      call: (tf, t) => alongDim(tf, (u) => tf.softmax(u), dim, t),
    }),
    twin(
      'logSoftmax',
      `logSoftmax [${shape}] dim ${dim} vs tfjs`,
      [inp(shape, { range: [-3, 3] })],
      (t) => logSoftmax(t, dim),
      { call: (tf, t) => alongDim(tf, (u) => tf.logSoftmax(u), dim, t) },
    ),
  ]),
  twin(
    'softmax',
    'softmax of large logits (no overflow) vs tfjs',
    [inp([2, 4], { values: [80, 90, 100, 85, -100, -95, -120, -90] })],
    (t) => softmax(t, 1),
    { call: (tf, t) => tf.softmax(t) },
  ),
  twin(
    'logSoftmax',
    'logSoftmax of large logits (no overflow) vs tfjs',
    [inp([2, 4], { values: [80, 90, 100, 85, -100, -95, -120, -90] })],
    (t) => logSoftmax(t, 1),
    { call: (tf, t) => tf.logSoftmax(t) },
  ),
];

const CE_LABELS = [0, 3, 1, 4, 2, 2];
const ONEHOT = new Float32Array(CE_LABELS.length * 5);
CE_LABELS.forEach((l, i) => (ONEHOT[i * 5 + l] = 1));
const ceInputs = [
  inp([6, 5], { range: [-4, 4] }),
  inp([6, 5], { values: ONEHOT, requiresGrad: false, name: 'onehot' }),
];
const crossEntropyRows: OpRow[] = [
  twin(
    'logSoftmax',
    'cross entropy per row as -sum(onehot * logSoftmax) vs tf.losses.softmaxCrossEntropy',
    ceInputs,
    (z, y) => logSoftmax(z, 1).mul(y).sum(1).neg(),
    { call: (tf, z, y) => tf.losses.softmaxCrossEntropy(y, z, undefined, 0, tf.Reduction.NONE) },
  ),
  // The mean loss's gradient is (softmax - onehot) / N in both libraries.
  twin('logSoftmax', 'mean cross entropy vs tfjs', ceInputs, (z, y) => logSoftmax(z, 1).mul(y).sum(1).neg().mean(), {
    call: (tf, z, y) => tf.mean(tf.losses.softmaxCrossEntropy(y, z, undefined, 0, tf.Reduction.NONE)),
  }),
];

// ---- conv3d ----

const CONV_GRAD: { name: string; x: number[]; w: number[]; bias: boolean; opts: Conv3dOptions }[] = [
  { name: 'stride 1, no padding', x: [1, 2, 4, 4, 4], w: [3, 2, 2, 2, 2], bias: false, opts: {} },
  {
    name: 'stride 2, padding 1, bias, batch 2, odd sizes',
    x: [2, 2, 5, 4, 3],
    w: [3, 2, 3, 3, 2],
    bias: true,
    opts: { stride: 2, padding: 1 },
  },
  {
    name: 'dilation 2, padding [1, 2, 0]',
    x: [1, 2, 5, 6, 5],
    w: [2, 2, 2, 3, 2],
    bias: true,
    opts: { dilation: 2, padding: [1, 2, 0] },
  },
  {
    name: 'stride [1, 2, 3], dilation [2, 1, 1]',
    x: [2, 1, 5, 5, 7],
    w: [2, 1, 2, 3, 2],
    bias: false,
    opts: { stride: [1, 2, 3], dilation: [2, 1, 1] },
  },
  { name: '1x1x1 kernel, batch 3', x: [3, 3, 2, 3, 2], w: [4, 3, 1, 1, 1], bias: true, opts: {} },
];
const CONV_TFJS: typeof CONV_GRAD = [
  { name: '3x3x3 "same" (C3D), bias', x: [1, 2, 4, 5, 5], w: [3, 2, 3, 3, 3], bias: true, opts: { padding: 1 } },
  {
    name: 'stride 2, padding 1, batch 2, odd sizes',
    x: [2, 3, 5, 7, 6],
    w: [2, 3, 3, 3, 3],
    bias: true,
    opts: { stride: 2, padding: 1 },
  },
  {
    name: 'anisotropic stride/padding/kernel',
    x: [1, 2, 6, 5, 7],
    w: [4, 2, 2, 3, 1],
    bias: false,
    opts: { stride: [1, 2, 3], padding: [0, 1, 0] },
  },
  {
    name: 'dilation 2 with padding 2',
    x: [2, 2, 5, 6, 6],
    w: [2, 2, 3, 3, 2],
    bias: true,
    opts: { dilation: 2, padding: 2 },
  },
  {
    name: 'dilation [1, 2, 3] with stride 2',
    x: [1, 2, 6, 7, 9],
    w: [3, 2, 2, 2, 3],
    bias: false,
    opts: { dilation: [1, 2, 3], stride: 2 },
  },
  { name: '1x1x1 kernel, batch 3', x: [3, 4, 2, 3, 3], w: [5, 4, 1, 1, 1], bias: true, opts: {} },
  // conv3d's wasm forward at a layer-like size against tfjs's own 'same' and 'valid' stride 2.
  { name: 'layer-sized pad 1 (tfjs same)', x: [2, 5, 6, 9, 10], w: [7, 5, 3, 3, 3], bias: false, opts: { padding: 1 } },
  { name: 'layer-sized valid stride 2', x: [2, 5, 6, 9, 10], w: [7, 5, 3, 3, 3], bias: false, opts: { stride: 2 } },
];
const convInputs = (c: (typeof CONV_GRAD)[number]): GradInput[] => [
  inp(c.x, { name: 'x' }),
  inp(c.w, { name: 'weight' }),
  ...(c.bias ? [inp([c.w[0]], { name: 'bias' })] : []),
];
const convRows: OpRow[] = [
  ...CONV_GRAD.map((c) =>
    grad('conv3d', `conv3d ${c.name}`, convInputs(c), (x, w, b) => conv3d(x, w, b ?? null, c.opts)),
  ),
  ...CONV_TFJS.map((c) =>
    twin('conv3d', `conv3d ${c.name} vs tfjs`, convInputs(c), (x, w, b) => conv3d(x, w, b ?? null, c.opts), {
      call: (tf, x, w, b) => tfConv3d(tf, c.opts, x, w, b),
    }),
  ),
  // tfjs's own dilations argument and 'same' padding, forward only (tfjs has no dilated gradient).
  twin(
    'conv3d',
    'conv3d dilation [2, 1, 2] means tfjs dilations (forward)',
    [inp([1, 2, 6, 6, 6]), inp([2, 2, 2, 3, 2])],
    (x, w) => conv3d(x, w, null, { dilation: [2, 1, 2] }),
    {
      call: (tf, x, w) =>
        toNCDHW(tf, tf.conv3d(toNDHWC(tf, x) as TF5, toTfFilter(tf, w) as TF5, 1, 'valid', 'NDHWC', [2, 1, 2])),
      grads: false,
    },
  ),
  twin(
    'conv3d',
    "conv3d padding 1 with a 3x3x3 kernel is tfjs 'same' (forward)",
    [inp([2, 2, 3, 4, 5]), inp([2, 2, 3, 3, 3])],
    (x, w) => conv3d(x, w, null, { padding: 1 }),
    {
      call: (tf, x, w) => toNCDHW(tf, tf.conv3d(toNDHWC(tf, x) as TF5, toTfFilter(tf, w) as TF5, 1, 'same')),
      grads: false,
    },
  ),
  ...conv3dReluRows(),
];
type TF5 = import('@tensorflow/tfjs').Tensor5D;

/**
 * conv3dRelu: finite differences where every output is away from the kink (bias +-4 per channel,
 * |conv| < 1.6, so channel 0 passes and channel 1 is cut everywhere), and against tfjs's relu(conv3d)
 * at random values, once small and once at a size the cpu backend computes by Winograd.
 */
function conv3dReluRows(): OpRow[] {
  const x = [1, 2, 3, 4, 4],
    w = [2, 2, 3, 3, 3];
  const awayFromKink = [
    inp(x, { name: 'x' }),
    inp(w, { name: 'weight', range: [-0.015, 0.015] }),
    inp([2], { name: 'bias', values: Float32Array.from([4, -4]) }),
  ];
  return [
    grad('conv3dRelu', 'conv3dRelu away from the kink', awayFromKink, (a, b, c) => conv3dRelu(a, b, c, { padding: 1 })),
    twin(
      'conv3dRelu',
      'conv3dRelu pad 1 vs tfjs relu(conv3d)',
      [inp([2, 3, 4, 5, 5], { name: 'x' }), inp([4, 3, 3, 3, 3], { name: 'weight' }), inp([4], { name: 'bias' })],
      (a, b, c) => conv3dRelu(a, b, c, { padding: 1 }),
      { call: (tf, a, b, c) => tf.relu(tfConv3d(tf, { padding: 1 }, a, b, c)) },
    ),
    twin(
      'conv3dRelu',
      'conv3dRelu Winograd-sized (32 -> 32 channels) vs tfjs relu(conv3d)',
      [inp([1, 32, 4, 6, 6], { name: 'x' }), inp([32, 32, 3, 3, 3], { name: 'weight' }), inp([32], { name: 'bias' })],
      (a, b, c) => conv3dRelu(a, b, c, { padding: 1 }),
      { call: (tf, a, b, c) => tf.relu(tfConv3d(tf, { padding: 1 }, a, b, c)) },
    ),
  ];
}

// ---- pooling ----

const POOL_GRAD: { name: string; x: number[]; opts: Pool3dOptions }[] = [
  { name: 'kernel 2', x: [1, 2, 4, 4, 4], opts: { kernelSize: 2 } },
  { name: 'overlapping kernel 3 stride 2, batch 2, odd sizes', x: [2, 2, 5, 5, 3], opts: { kernelSize: 3, stride: 2 } },
  { name: 'padding 1, kernel 3 stride 2', x: [1, 2, 5, 4, 5], opts: { kernelSize: 3, stride: 2, padding: 1 } },
  {
    name: 'kernel [1, 2, 2] (C3D pool1), padding [0, 1, 1]',
    x: [1, 2, 3, 4, 5],
    opts: { kernelSize: [1, 2, 2], padding: [0, 1, 1] },
  },
  { name: 'ceilMode', x: [1, 1, 5, 5, 5], opts: { kernelSize: 2, stride: 2, ceilMode: true } },
];
type S3 = number | [number, number, number];
const MAXPOOL_TFJS: { name: string; x: number[]; k: S3; s: S3; p: S3 }[] = [
  { name: 'kernel 2 stride 2 (valid)', x: [1, 2, 4, 6, 4], k: 2, s: 2, p: 0 },
  { name: 'overlapping kernel 3 stride 2, batch 2, odd sizes', x: [2, 2, 5, 7, 5], k: 3, s: 2, p: 0 },
  { name: 'kernel 3 stride 2 padding 1', x: [1, 3, 5, 6, 7], k: 3, s: 2, p: 1 },
  { name: 'C3D pool1 kernel [1, 2, 2]', x: [1, 2, 3, 4, 6], k: [1, 2, 2], s: [1, 2, 2], p: 0 },
  { name: 'C3D pool5 kernel 2 padding [0, 1, 1]', x: [1, 2, 4, 3, 3], k: 2, s: 2, p: [0, 1, 1] },
];
const distinctInput = (shape: number[], seed: string, gap: number): GradInput =>
  inp(shape, { values: distinct(sizeOf(shape), seed, gap) });
const ODD = [1, 2, 5, 7, 3]; // tfjs 'same' then pads 1 on both sides for strides 1 and 2
const PADS: [number, number][] = [
  [0, 0],
  [1, 1],
  [1, 1],
  [1, 1],
  [0, 0],
];
const poolRows: OpRow[] = [
  ...POOL_GRAD.flatMap((c) => [
    grad('maxPool3d', `maxPool3d ${c.name} (no ties)`, [distinctInput(c.x, `mp:${c.name}`, 0.05)], (x) =>
      maxPool3d(x, c.opts),
    ),
    ...[true, false].map((countIncludePad) =>
      grad('avgPool3d', `avgPool3d ${c.name}, countIncludePad ${countIncludePad}`, [inp(c.x)], (x) =>
        avgPool3d(x, { ...c.opts, countIncludePad }),
      ),
    ),
  ]),
  ...MAXPOOL_TFJS.map((c) =>
    twin(
      'maxPool3d',
      `maxPool3d ${c.name} vs tfjs`,
      [distinctInput(c.x, `mp:${c.name}`, 0.01)],
      (x) => maxPool3d(x, { kernelSize: c.k, stride: c.s, padding: c.p }),
      // PyTorch pads max pooling with -inf: padding never wins.
      {
        call: (tf, x) =>
          toNCDHW(
            tf,
            tf.maxPool3d(padSpatial(tf, toNDHWC(tf, x), triple(c.p, 0), -Infinity) as TF5, c.k, c.s, 'valid'),
          ),
      },
    ),
  ),
  ...[1, 2].flatMap((s) => [
    twin(
      'maxPool3d',
      `maxPool3d padding 1 stride ${s} is tfjs 'same' where tfjs pads symmetrically`,
      [distinctInput(ODD, `mps:${s}`, 0.01)],
      (x) => maxPool3d(x, { kernelSize: 3, stride: s, padding: 1 }),
      { call: (tf, x) => toNCDHW(tf, tf.maxPool3d(toNDHWC(tf, x) as TF5, 3, s, 'same')) },
    ),
    twin(
      'avgPool3d',
      `avgPool3d countIncludePad false stride ${s} is tfjs 'same' (forward)`,
      [inp(ODD)],
      (t) => avgPool3d(t, { kernelSize: 3, stride: s, padding: 1, countIncludePad: false }),
      { call: (tf, x) => toNCDHW(tf, tf.avgPool3d(toNDHWC(tf, x) as TF5, 3, s, 'same')), grads: false },
    ),
    // tfjs's own 'same' avgPool3d gradient divides by the full kernel volume at the borders too
    // (tfjs-backend-cpu AvgPool3DGrad), which is not the derivative of its forward there, so the
    // gradient is checked against an expression tfjs differentiates right: sum over the
    // zero-padded window / number of valid elements.
    twin(
      'avgPool3d',
      `avgPool3d countIncludePad false stride ${s} vs a tfjs expression`,
      [inp(ODD)],
      (t) => avgPool3d(t, { kernelSize: 3, stride: s, padding: 1, countIncludePad: false }),
      {
        call: (tf, t) => {
          const n = toNDHWC(tf, t);
          const sums = tf.avgPool3d(tf.pad(n, PADS) as TF5, 3, s, 'valid');
          const counts = tf.avgPool3d(tf.pad(tf.onesLike(n), PADS) as TF5, 3, s, 'valid');
          return toNCDHW(tf, tf.div(sums, counts));
        },
      },
    ),
  ]),
  twin(
    'avgPool3d',
    'avgPool3d valid vs tfjs',
    [inp([2, 2, 5, 4, 6])],
    (x) => avgPool3d(x, { kernelSize: [3, 2, 2], stride: [2, 2, 1] }),
    { call: (tf, x) => toNCDHW(tf, tf.avgPool3d(toNDHWC(tf, x) as TF5, [3, 2, 2], [2, 2, 1], 'valid')) },
  ),
  twin(
    'avgPool3d',
    'avgPool3d padding 1 countIncludePad true (zero padding) vs tfjs',
    [inp([2, 2, 5, 4, 6])],
    (x) => avgPool3d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: true }),
    { call: (tf, x) => toNCDHW(tf, tf.avgPool3d(padSpatial(tf, toNDHWC(tf, x), [1, 1, 1]) as TF5, 3, 2, 'valid')) },
  ),
];

// ---- dropout and where ----

const dropoutWhereRows: OpRow[] = [
  // The same mask every evaluation (the seed is set inside the call), gradient = mask / (1 - p).
  grad('dropout', 'dropout (training)', [inp([3, 5])], (x) => {
    manualSeed(1234);
    return dropout(x, 0.4, true);
  }),
  grad('dropout', 'dropout eval mode is the identity', [inp([4])], (x) => dropout(x, 0.5, false)),
  grad('dropout', 'dropout p = 0 is the identity', [inp([4])], (x) => dropout(x, 0, true)),
  grad(
    'where',
    'where (the condition gets no gradient)',
    [
      inp([2, 3], { values: [1, 0, 1, 0, 0, 1], requiresGrad: false, name: 'condition' }),
      inp([2, 3], { name: 'a' }),
      inp([2, 3], { name: 'b' }),
    ],
    (c, a, b) => where(c, a, b),
  ),
  grad(
    'where',
    'where broadcast',
    [
      inp([2, 1], { values: [1, 0], requiresGrad: false, name: 'condition' }),
      inp([3], { name: 'a' }),
      inp([2, 3], { name: 'b' }),
    ],
    (c, a, b) => where(c, a, b),
  ),
];

// ---- lstmSequence ----

const [LB, LT, LI, LH] = [3, 4, 3, 2];
// Row 0 is full length, rows 1 and 2 have 2 and 3 valid steps (valid steps first).
const LENGTHS = [4, 2, 3];
/** The `[B, T]` validity mask of rows with `LENGTHS` valid steps. */
export const LSTM_MASK = Float32Array.from({ length: LB * LT }, (_, k) =>
  k % LT < LENGTHS[Math.floor(k / LT)] ? 1 : 0,
);
/** x, both weights, both biases, h0, c0 of the lstm rows. */
export const LSTM_INPUTS: readonly GradInput[] = [
  inp([LB, LT, LI], { name: 'x' }),
  inp([4 * LH, LI], { name: 'weightIh', range: [-0.8, 0.8] }),
  inp([4 * LH, LH], { name: 'weightHh', range: [-0.8, 0.8] }),
  inp([4 * LH], { name: 'biasIh', range: [-0.5, 0.5] }),
  inp([4 * LH], { name: 'biasHh', range: [-0.5, 0.5] }),
  inp([LB, LH], { name: 'h0' }),
  inp([LB, LH], { name: 'c0' }),
];
const lstmRows: OpRow[] = [
  grad(
    'lstmSequence',
    'lstmSequence: all inputs, several steps, a mask with different lengths per row',
    [...LSTM_INPUTS, inp([LB, LT], { values: LSTM_MASK, requiresGrad: false, name: 'mask' })],
    (x, wIh, wHh, bIh, bHh, h0, c0, m) =>
      lstmOutputs(lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, h0, c0, m)),
    { gradcheck: { maxElements: 30 } },
  ),
  grad('lstmSequence', 'lstmSequence: no mask, no biases, zero initial state', LSTM_INPUTS.slice(0, 3), (x, wIh, wHh) =>
    lstmOutputs(lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: null, biasHh: null }, null, null, null)),
  ),
  // Only the last hidden state used: the gradient flows back through every step.
  grad(
    'lstmSequence',
    'lstmSequence: final h only',
    [...LSTM_INPUTS],
    (x, wIh, wHh, bIh, bHh, h0, c0) =>
      lstmOutputs(lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, h0, c0, null))[1],
  ),
];

export const OP_ROWS: readonly OpRow[] = [
  ...binaryRows,
  ...maxMinRows,
  ...unaryRows,
  ...reductionRows,
  ...matmulRows,
  ...layoutRows,
  ...softmaxRows,
  ...crossEntropyRows,
  ...convRows,
  ...poolRows,
  ...dropoutWhereRows,
  ...lstmRows,
];
