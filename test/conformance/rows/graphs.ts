// Graph rows: small graphs of public ops (conv3d, pooling, matmul/linear at the WGSL tile shapes,
// softmax, broadcast elementwise, lstmSequence, optimizer steps, the whole PLM-IPE training step)
// built from one seed on the cpu backend and on every other backend, every result compared. They
// prove the ops' composition of primitives (and the gpu's WGSL products, which only layer-sized
// shapes reach) where the primitive rows prove each primitive.
import {
  PLMIPE,
  Adam,
  add,
  avgPool3d,
  conv3d,
  conv3dRelu,
  greater,
  linear,
  logSoftmax,
  lstmSequence,
  matmul,
  maxPool3d,
  mul,
  randn,
  relu,
  SGD,
  sigmoid,
  softmax,
  sum,
  tanh,
  tensor,
  where,
  type Tensor,
} from '../../../src/index.js';
import type { GraphRow } from '../table.js';
import { lstmOutputs } from './lstm.js';

/**
 * Layer-sized rows (the WGSL tile heights and split-K, the whole model) skip headless GL, whose
 * kernels build slowly and which the smaller rows cover.
 */
const WGSL_SHAPES_ON = ['webasm', 'webgl2', 'webgpu'] as const;

/** Loss = sum(y * r) for a fixed random r, so dL/dy = r exercises every output cell. */
function probe(y: Tensor): Tensor {
  return sum(mul(y, randn([...y.shape])));
}

function grads(...ts: Tensor[]): Tensor[] {
  return ts.map((t) => {
    if (!t.grad) throw new Error('graph row: an input has no grad after backward');
    return t.grad;
  });
}

export const GRAPH_ROWS: readonly GraphRow[] = [
  {
    kind: 'graph',
    name: 'conv3d fwd + grads',
    tol: { rtol: 1e-5, relativeTo: 'max' },
    build() {
      const x = randn([2, 3, 5, 6, 6], { requiresGrad: true });
      const w = randn([4, 3, 3, 3, 2], { requiresGrad: true });
      const b = randn([4], { requiresGrad: true });
      const y = conv3d(x, w, b, { stride: [1, 2, 1], padding: [1, 1, 0], dilation: [1, 1, 2] });
      probe(y).backward();
      return [y, ...grads(x, w, b)];
    },
  },
  {
    // Fused on the cpu backend (Winograd at 32 channels), conv3d then relu on the others.
    kind: 'graph',
    name: 'conv3dRelu fwd + grads',
    tol: { rtol: 1e-5, relativeTo: 'max' },
    build() {
      const x = randn([1, 32, 3, 5, 6], { requiresGrad: true });
      const w = mul(randn([32, 32, 3, 3, 3]), 0.05).requiresGrad_();
      const b = randn([32], { requiresGrad: true });
      const y = conv3dRelu(x, w, b, { padding: 1 });
      probe(y).backward();
      return [y, ...grads(x, w, b)];
    },
  },
  {
    // The WebGPU implicit-GEMM path (src/backend/gpu/wgsl): ragged column tiles, K
    // over several tile steps, a 32-row tile (30 output channels), an 8-row tile (grad-input's
    // 5 rows, split-K in 3 slices) and the weight gradient's split-K (4 slices). The checks
    // below cover 16-, 64- and 4-row tiles and a split forward with its bias.
    kind: 'graph',
    name: 'conv3d multi-tile + grads',
    tol: { rtol: 1e-5, relativeTo: 'max' },
    on: WGSL_SHAPES_ON,
    build() {
      const x = randn([2, 5, 6, 10, 10], { requiresGrad: true });
      const w = randn([30, 5, 3, 3, 3], { requiresGrad: true });
      const y = conv3d(x, w, null, { padding: 1 });
      probe(y).backward();
      return [y, ...grads(x, w)];
    },
  },
  {
    // A deep layer on a small clip: one output tile (16 rows) and a long K, so the forward
    // (with its bias, added by the split sum) runs split-K in 6 slices.
    kind: 'graph',
    name: 'conv3d deep layer split-K + grads',
    tol: { rtol: 1e-5, relativeTo: 'max' },
    on: WGSL_SHAPES_ON,
    build() {
      const x = randn([1, 64, 4, 4, 4], { requiresGrad: true });
      const w = randn([12, 64, 3, 3, 3], { requiresGrad: true });
      const b = randn([12], { requiresGrad: true });
      const y = conv3d(x, w, b, { padding: 1 });
      probe(y).backward();
      return [y, ...grads(x, w, b)];
    },
  },
  {
    kind: 'graph',
    name: 'maxPool3d/avgPool3d + grads',
    tol: { rtol: 1e-6, relativeTo: 'max' },
    build() {
      const x = randn([1, 2, 4, 5, 5], { requiresGrad: true });
      const y1 = maxPool3d(x, { kernelSize: [2, 3, 3], stride: [1, 2, 2], padding: [1, 1, 1] });
      const y2 = avgPool3d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: true });
      const y3 = avgPool3d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false });
      add(add(probe(y1), probe(y2)), probe(y3)).backward();
      return [y1, y2, y3, ...grads(x)];
    },
  },
  {
    kind: 'graph',
    name: 'matmul/linear + grads',
    tol: { rtol: 1e-5, relativeTo: 'max' },
    build() {
      const a = randn([2, 3, 5, 6], { requiresGrad: true });
      const b = randn([6, 4], { requiresGrad: true });
      const w = randn([7, 4], { requiresGrad: true });
      const bias = randn([7], { requiresGrad: true });
      const y = linear(relu(matmul(a, b)), w, bias);
      probe(y).backward();
      return [y, ...grads(a, b, w, bias)];
    },
  },
  {
    kind: 'graph',
    name: 'matmul multi-tile batched + grads',
    tol: { rtol: 1e-5, relativeTo: 'max' },
    on: WGSL_SHAPES_ON,
    build() {
      const a = randn([3, 70, 40], { requiresGrad: true });
      const b = randn([40, 130], { requiresGrad: true });
      const y = matmul(a, b);
      probe(y).backward();
      return [y, ...grads(a, b)];
    },
  },
  {
    // A fully connected layer on a batch of 4: a 4-row tile, K 1024 in 4 slices.
    kind: 'graph',
    name: 'linear small batch split-K + grads',
    tol: { rtol: 1e-5, relativeTo: 'max' },
    on: WGSL_SHAPES_ON,
    build() {
      const x = randn([4, 1024], { requiresGrad: true });
      const w = randn([256, 1024], { requiresGrad: true });
      const bias = randn([256], { requiresGrad: true });
      const y = linear(x, w, bias);
      probe(y).backward();
      return [y, ...grads(x, w, bias)];
    },
  },
  {
    kind: 'graph',
    name: 'softmax/logSoftmax + grads',
    tol: { rtol: 1e-5, atol: 1e-6, relativeTo: 'max' },
    build() {
      const x = randn([3, 4, 5], { requiresGrad: true });
      const y1 = softmax(x, 1);
      const y2 = logSoftmax(x, 2);
      const y3 = softmax(x, 0);
      add(add(probe(y1), probe(y2)), probe(y3)).backward();
      return [y1, y2, y3, ...grads(x)];
    },
  },
  {
    kind: 'graph',
    name: 'broadcast elementwise + grads',
    tol: { rtol: 1e-5, atol: 1e-6, relativeTo: 'max' },
    build() {
      const a = randn([2, 3, 4], { requiresGrad: true });
      const b = randn([3, 1], { requiresGrad: true });
      const y = where(greater(a, b), tanh(mul(a, b)), sigmoid(add(a, b)));
      probe(y).backward();
      return [y, ...grads(a, b)];
    },
  },
  {
    kind: 'graph',
    name: 'lstmSequence fwd + bwd (masked)',
    tol: { rtol: 1e-5, atol: 1e-6, relativeTo: 'max' },
    build() {
      const B = 2,
        T = 4,
        I = 3,
        H = 5;
      const x = randn([B, T, I], { requiresGrad: true });
      const wIh = randn([4 * H, I], { requiresGrad: true });
      const wHh = randn([4 * H, H], { requiresGrad: true });
      const bIh = randn([4 * H], { requiresGrad: true });
      const bHh = randn([4 * H], { requiresGrad: true });
      const mask = tensor(new Float32Array([1, 1, 1, 1, 1, 1, 0, 0]), [B, T]);
      const outs = lstmOutputs(
        lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, null, null, mask),
      );
      add(add(probe(outs[0]), probe(outs[1])), probe(outs[2])).backward();
      return [...outs, ...grads(x, wIh, wHh, bIh, bHh)];
    },
  },
  {
    // The whole model path: C3D forward and backward, the LSTM over masked sequences, eq. 7's
    // two half-steps, eq. 8. mutualStepAsync reads its losses with `await data()`, so this runs
    // on WebGPU too. SGD (linear in the gradient) so float32 gradient rounding stays visible at
    // its own size; Adam is checked above. rtol 1e-3: the tolerance for the model path.
    kind: 'graph',
    name: 'PLM-IPE mutualStepAsync x2 + predictAll',
    tol: { rtol: 1e-3, atol: 1e-6, relativeTo: 'max' },
    on: WGSL_SHAPES_ON,
    async build() {
      const model = new PLMIPE({
        pixel: { c3d: { width: 1 / 16, clipLength: 8, inputSize: 32, temporalPools: 3, dropout: 0 } },
        landmark: { hiddenSize: 16 },
      });
      const pixelOptimizer = new SGD(model.pixelEstimator.parameters(), { lr: 0.05 });
      const landmarkOptimizer = new SGD(model.landmarkEstimator.parameters(), { lr: 0.05 });
      const batch = {
        pixel: { clips: randn([3, 3, 8, 32, 32]), videoIndex: [0, 0, 1] },
        landmark: { descriptors: randn([2, 10, 72]), lengths: [10, 7] },
        labels: [2, 0],
      };
      const losses: number[] = [];
      for (let step = 0; step < 2; step++) {
        const r = await model.mutualStepAsync(batch, { pixelOptimizer, landmarkOptimizer });
        losses.push(r.landmark.ce, r.landmark.kl, r.pixel.ce, r.pixel.kl);
      }
      const { fused, pixel, landmark } = model.predictAll(batch);
      const params = model
        .namedParameters()
        .filter(([k]) => /conv1\.weight|fc6\.weight|weightIh/.test(k))
        .map(([, t]) => t);
      return [tensor(new Float32Array(losses), [losses.length]), fused, pixel, landmark, ...params];
    },
  },
  {
    kind: 'graph',
    name: 'Adam (amsgrad) + SGD (nesterov) steps',
    tol: { rtol: 1e-5, atol: 1e-6, relativeTo: 'max' },
    build() {
      const w1 = randn([4, 3], { requiresGrad: true });
      const w2 = randn([4, 3], { requiresGrad: true });
      const x = randn([5, 3]);
      const adam = new Adam([w1], { lr: 0.05, amsgrad: true, weightDecay: 0.01 });
      const sgd = new SGD([w2], { lr: 0.05, momentum: 0.9, nesterov: true });
      for (let step = 0; step < 3; step++) {
        adam.zeroGrad();
        sgd.zeroGrad();
        add(sum(mul(linear(x, w1), linear(x, w1))), sum(tanh(linear(x, w2)))).backward();
        adam.step();
        sgd.step();
      }
      return [w1, w2];
    },
  },
];
