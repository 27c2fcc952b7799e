// Page side: the op parity checks of test/gpu/ops.test.ts, run in the browser. Each check builds
// the same small graph on the cpu backend and on one gpu mode from the same seed, reads every
// result with `await data()` (the only readback WebGPU allows), and compares with a stated
// tolerance: max|gpu - cpu| <= atol + rtol * max|cpu|.
import {
  PLMIPE, Adam, add, avgPool3d, conv3d, greater, linear, logSoftmax, lstmSequence, manualSeed, matmul, maxPool3d, mul,
  randn, ready, relu, setBackend, SGD, sigmoid, softmax, sum, tanh, tensor, where, type Tensor,
} from '../../../src/index.js';
import { gpuInstance, useGpu, type PageGpu } from './backends.js';

export interface CheckResult {
  name: string;
  pass: boolean;
  maxErr: number;
  tol: number;
  ms: number;
  error?: string;
}

export interface ModeReport {
  requested: PageGpu;
  running: string;
  fallback: string | null;
  /** Compiled kernels alive at the end, and built in total. */
  kernels: { cached: number; built: number };
  /** Calls of the tiled WGSL products (WebGPU only; null elsewhere). */
  wgsl: { calls: number; pipelines: number; tiles: Record<string, number> } | null;
  checks: CheckResult[];
  ms: number;
}

interface Check {
  name: string;
  rtol: number;
  atol: number;
  build(): Tensor[] | Promise<Tensor[]>;
}

function probe(y: Tensor): Tensor {
  return sum(mul(y, randn([...y.shape])));
}

function grads(...ts: Tensor[]): Tensor[] {
  return ts.map((t) => {
    if (!t.grad) throw new Error('missing grad');
    return t.grad;
  });
}

export const CHECKS: readonly Check[] = [
  {
    name: 'conv3d fwd + grads', rtol: 1e-5, atol: 0,
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
    // The WebGPU implicit-GEMM path (../../../src/backend/gpu/wgsl): ragged column tiles, K
    // over several tile steps, a 32-row tile (30 output channels), an 8-row tile (grad-input's
    // 5 rows, split-K in 3 slices) and the weight gradient's split-K (4 slices). The checks
    // below cover 16-, 64- and 4-row tiles and a split forward with its bias.
    name: 'conv3d multi-tile + grads', rtol: 1e-5, atol: 0,
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
    name: 'conv3d deep layer split-K + grads', rtol: 1e-5, atol: 0,
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
    name: 'maxPool3d/avgPool3d + grads', rtol: 1e-6, atol: 0,
    build() {
      const x = randn([1, 2, 4, 5, 5], { requiresGrad: true });
      const y1 = maxPool3d(x, { kernelSize: [2, 3, 3], stride: [1, 2, 2], padding: [1, 1, 1] });
      const y2 = avgPool3d(x, { kernelSize: 3, stride: 2, padding: 1, countIncludePad: false });
      add(probe(y1), probe(y2)).backward();
      return [y1, y2, ...grads(x)];
    },
  },
  {
    name: 'matmul/linear + grads', rtol: 1e-5, atol: 0,
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
    name: 'matmul multi-tile batched + grads', rtol: 1e-5, atol: 0,
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
    name: 'linear small batch split-K + grads', rtol: 1e-5, atol: 0,
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
    name: 'softmax/logSoftmax + grads', rtol: 1e-5, atol: 1e-6,
    build() {
      const x = randn([3, 4, 5], { requiresGrad: true });
      const y1 = softmax(x, 1);
      const y2 = logSoftmax(x, 2);
      add(probe(y1), probe(y2)).backward();
      return [y1, y2, ...grads(x)];
    },
  },
  {
    name: 'broadcast elementwise + grads', rtol: 1e-5, atol: 1e-6,
    build() {
      const a = randn([2, 3, 4], { requiresGrad: true });
      const b = randn([3, 1], { requiresGrad: true });
      const y = where(greater(a, b), tanh(mul(a, b)), sigmoid(add(a, b)));
      probe(y).backward();
      return [y, ...grads(a, b)];
    },
  },
  {
    name: 'lstmSequence fwd + bwd (masked)', rtol: 1e-5, atol: 1e-6,
    build() {
      const B = 2, T = 4, I = 3, H = 5;
      const x = randn([B, T, I], { requiresGrad: true });
      const wIh = randn([4 * H, I], { requiresGrad: true });
      const wHh = randn([4 * H, H], { requiresGrad: true });
      const bIh = randn([4 * H], { requiresGrad: true });
      const bHh = randn([4 * H], { requiresGrad: true });
      const mask = tensor(new Float32Array([1, 1, 1, 1, 1, 1, 0, 0]), [B, T]);
      const out = lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, null, null, mask);
      add(add(probe(out.output), probe(out.h)), probe(out.c)).backward();
      return [out.output, out.h, out.c, ...grads(x, wIh, wHh, bIh, bHh)];
    },
  },
  {
    // The whole model path: C3D forward and backward, the LSTM over masked sequences, eq. 7's
    // two half-steps, eq. 8. mutualStepAsync reads its losses with `await data()`, so this runs
    // on WebGPU too. SGD (linear in the gradient) so float32 gradient rounding stays visible at
    // its own size; Adam is checked above. rtol 1e-3: the tolerance for the model path.
    name: 'PLM-IPE mutualStepAsync x2 + predictAll', rtol: 1e-3, atol: 1e-6,
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
      const params = model.namedParameters().filter(([k]) => /conv1\.weight|fc6\.weight|weightIh/.test(k)).map(([, t]) => t);
      return [tensor(new Float32Array(losses), [losses.length]), fused, pixel, landmark, ...params];
    },
  },
  {
    name: 'Adam (amsgrad) + SGD (nesterov) steps', rtol: 1e-5, atol: 1e-6,
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

async function runOn(check: Check, seed: number): Promise<Float32Array[]> {
  manualSeed(seed);
  const ts = await check.build();
  const out = await Promise.all(ts.map((t) => t.data()));
  for (const t of ts) t.dispose();
  return out;
}

function maxError(cpu: Float32Array[], gpu: Float32Array[], rtol: number, atol: number): { maxErr: number; tol: number; pass: boolean } {
  let worst = { maxErr: 0, tol: 0, pass: true, ratio: 0 };
  cpu.forEach((c, i) => {
    const g = gpu[i];
    let maxRef = 0;
    let maxErr = g.length === c.length ? 0 : Infinity;
    for (let j = 0; j < c.length && maxErr !== Infinity; j++) {
      maxRef = Math.max(maxRef, Math.abs(c[j]));
      const e = Math.abs(c[j] - g[j]);
      maxErr = e <= maxErr ? maxErr : e; // NaN counts as a failure
      if (Number.isNaN(e)) maxErr = Infinity;
    }
    const tol = atol + rtol * maxRef;
    const ratio = tol > 0 ? maxErr / tol : maxErr > 0 ? Infinity : 0;
    if (ratio >= worst.ratio) worst = { maxErr, tol, pass: maxErr <= tol, ratio };
  });
  return { maxErr: worst.maxErr, tol: worst.tol, pass: worst.pass };
}

/**
 * What a WebGPU run did not cover of the tiled WGSL products: each tile height (64, 32, 16, 8
 * and 4 rows) and split-K must have run at least once. Empty when all did.
 */
export function wgslCoverageGaps(r: ModeReport): string[] {
  const tiles = Object.keys(r.wgsl?.tiles ?? {});
  const gaps = [64, 32, 16, 8, 4].filter((rows) => !tiles.some((t) => t.startsWith(`${rows}x`))).map((rows) => `no ${rows}-row tile`);
  if (!tiles.some((t) => t.endsWith('split-K'))) gaps.push('no split-K');
  return gaps.map((g) => `${g} (ran: ${tiles.join(', ') || 'none'})`);
}

/** Runs every check on cpu and on gpu `mode`. */
export async function runParity(mode: PageGpu, only?: readonly string[]): Promise<ModeReport> {
  const t0 = performance.now();
  setBackend('cpu');
  await ready();
  const running = await useGpu(mode);
  const b = gpuInstance(mode);
  const report: ModeReport = { requested: mode, running, fallback: b.fallbackReason, kernels: b.kernelStats(), wgsl: null, checks: [], ms: 0 };
  for (const check of CHECKS) {
    if (only && !only.includes(check.name)) continue;
    const c0 = performance.now();
    try {
      setBackend('cpu');
      const cpu = await runOn(check, 7);
      await useGpu(mode);
      const gpu = await runOn(check, 7);
      report.checks.push({ name: check.name, ...maxError(cpu, gpu, check.rtol, check.atol), ms: Math.round(performance.now() - c0) });
    } catch (e) {
      report.checks.push({ name: check.name, pass: false, maxErr: NaN, tol: 0, ms: Math.round(performance.now() - c0), error: `${String((e as Error)?.stack ?? e).slice(0, 600)} (kernels: ${JSON.stringify(b.kernelStats())})` });
    }
  }
  setBackend('cpu');
  report.kernels = b.kernelStats();
  report.wgsl = b.wgslStats();
  report.ms = Math.round(performance.now() - t0);
  return report;
}
