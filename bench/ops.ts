// The core op table: our cpu backend against TensorFlow.js's cpu backend on the same
// inputs, in one process. conv3d forward+backward at C3D's conv2 and conv3a shapes, maxPool3d
// forward+backward, matmul 1024^3, a C3D-sized Linear, and an LSTM training step (batch 32,
// 50 steps, 72 -> 256, Adam) against tfjs-layers' LSTM.
// Run: npm run bench            (full shapes; tfjs needs several minutes for the convs)
//      npm run bench -- --quick (channels / 4 and shorter sequences, for a fast look)
import * as tf from '@tensorflow/tfjs';
import { maxPool3d, matmul, linear, Linear, randn, tidy, manualSeed, getBackend, type Tensor } from '../src/index.js';
import { kernelInfo } from '../src/backend/cpu/hot-kernels.js';
import { clearGrads, convTrainStep, time, report, lstmTrainStep, type BenchRow } from './util.js';

const quick = process.argv.includes('--quick');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);

function toTf(t: Tensor, perm?: number[]): tf.Tensor {
  const x = tf.tensor(t.dataSync(), t.shape as number[]);
  return perm ? tf.transpose(x, perm) : x;
}

async function conv3dCase(name: string, cin: number, cout: number, d: number, hw: number): Promise<BenchRow> {
  const scale = quick ? 4 : 1;
  const [ci, co] = [cin / scale, cout / scale];
  const { x, w, dy, step } = convTrainStep(ci, co, d, hw);
  const flops = 3 * 2 * co * ci * 27 * d * hw * hw; // forward, grad-input, grad-weight
  const ours = await time(step, { warmup: 1, repeats: 3 });
  const tx = toTf(x, [0, 2, 3, 4, 1]) as tf.Tensor5D; // NDHWC
  const tw = toTf(w, [2, 3, 4, 1, 0]) as tf.Tensor5D; // [kD, kH, kW, in, out]
  const tdy = toTf(dy, [0, 2, 3, 4, 1]) as tf.Tensor5D;
  const peer = await time(
    () => {
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
        tf
          .conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same')
          .mul(tdy)
          .sum(),
      )([tx, tw]);
      gx.dataSync();
      gw.dataSync();
      tf.dispose([gx, gw]);
    },
    { warmup: 0, repeats: 1 },
  );
  return {
    case: `${name} fwd+bwd ${ci}->${co} ${d}x${hw}x${hw}`,
    ours: 'plm-ipe cpu',
    peer: 'tfjs-cpu',
    oursMs: ours.ms,
    peerMs: peer.ms,
    flops,
  };
}

async function maxPoolCase(): Promise<BenchRow> {
  const c = quick ? 16 : 64;
  manualSeed(2);
  const x = randn([1, c, 16, 56, 56], { requiresGrad: true });
  const ours = await time(
    () =>
      tidy(() => {
        maxPool3d(x, { kernelSize: 2 }).sum().backward();
        const r = x.grad!.dataSync()[0];
        clearGrads(x);
        return r;
      }),
    { warmup: 1, repeats: 5 },
  );
  const tx = toTf(x, [0, 2, 3, 4, 1]) as tf.Tensor5D;
  const peer = await time(
    () => {
      const g = tf.grad((a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, 2, 2, 'valid').sum())(tx);
      g.dataSync();
      g.dispose();
    },
    { warmup: 1, repeats: 3 },
  );
  return {
    case: `maxPool3d fwd+bwd ${c}x16x56x56 k2`,
    ours: 'plm-ipe cpu',
    peer: 'tfjs-cpu',
    oursMs: ours.ms,
    peerMs: peer.ms,
  };
}

async function matmulCase(): Promise<BenchRow> {
  const n = quick ? 512 : 1024;
  manualSeed(3);
  const a = randn([n, n]);
  const b = randn([n, n]);
  const ours = await time(() => tidy(() => matmul(a, b).dataSync()[0]), { warmup: 1, repeats: 5 });
  const ta = toTf(a);
  const tb = toTf(b);
  const peer = await time(
    () => {
      const c = tf.matMul(ta as tf.Tensor2D, tb as tf.Tensor2D);
      c.dataSync();
      c.dispose();
    },
    { warmup: 1, repeats: 3 },
  );
  return {
    case: `matmul ${n}^3`,
    ours: 'plm-ipe cpu',
    peer: 'tfjs-cpu',
    oursMs: ours.ms,
    peerMs: peer.ms,
    flops: 2 * n * n * n,
  };
}

async function linearCase(): Promise<BenchRow> {
  const [inF, outF, batch] = quick ? [2048, 1024, 8] : [8192, 4096, 8];
  manualSeed(4);
  const fc = new Linear(inF, outF);
  const x = randn([batch, inF], { requiresGrad: true });
  const ours = await time(
    () =>
      tidy(() => {
        linear(x, fc.weight, fc.bias).sum().backward();
        const r = fc.weight.grad!.dataSync()[0];
        fc.zeroGrad();
        clearGrads(x);
        return r;
      }),
    { warmup: 1, repeats: 3 },
  );
  const tx = toTf(x);
  const tw = tf.variable(toTf(fc.weight, [1, 0]));
  const tb = tf.variable(toTf(fc.bias!));
  const peer = await time(
    () => {
      const { grads } = tf.variableGrads(
        () => tf.sum(tf.add(tf.matMul(tx as tf.Tensor2D, tw as tf.Tensor2D), tb)) as tf.Scalar,
        [tw, tb],
      );
      Object.values(grads).forEach((g) => g.dataSync());
      tf.dispose(Object.values(grads));
    },
    { warmup: 1, repeats: 3 },
  );
  return {
    case: `Linear ${inF}->${outF} fwd+bwd, batch ${batch}`,
    ours: 'plm-ipe cpu',
    peer: 'tfjs-cpu',
    oursMs: ours.ms,
    peerMs: peer.ms,
    flops: 3 * 2 * batch * inF * outF,
  };
}

async function lstmCase(): Promise<BenchRow> {
  const [B, T, I, H] = [32, quick ? 10 : 50, 72, 256];
  const { x, y, step } = lstmTrainStep(B, T, I, H);
  const ours = await time(step, { warmup: 1, repeats: 3 });
  const model = tf.sequential();
  model.add(tf.layers.lstm({ units: H, inputShape: [T, I], recurrentActivation: 'sigmoid' }));
  model.add(tf.layers.dense({ units: 3 }));
  model.compile({ optimizer: tf.train.adam(5e-3), loss: tf.losses.softmaxCrossEntropy });
  const tx = toTf(x);
  const ty = tf.oneHot(tf.tensor1d(y, 'int32'), 3);
  const peer = await time(
    async () => {
      await model.trainOnBatch(tx, ty);
    },
    { warmup: 1, repeats: 1 },
  );
  // Forward+backward products: input projection, recurrent products (x3 for backward), head.
  const flops = 3 * (2 * B * T * I * 4 * H + 2 * B * T * H * 4 * H);
  return {
    case: `LSTM train step B${B} T${T} ${I}->${H} +Adam`,
    ours: 'plm-ipe cpu',
    peer: 'tfjs-layers',
    oursMs: ours.ms,
    peerMs: peer.ms,
    flops,
  };
}

async function main() {
  await tf.setBackend('cpu');
  console.log(
    `plm-ipe ${JSON.stringify(getBackend())}, kernels ${JSON.stringify(kernelInfo())}; peer tfjs ${tf.version.tfjs} backend ${tf.getBackend()}${quick ? ' (quick shapes)' : ''}`,
  );
  const cases: [string, () => Promise<BenchRow>][] = [
    ['matmul', matmulCase],
    ['linear', linearCase],
    ['lstm', lstmCase],
    ['maxpool', maxPoolCase],
    ['conv2', () => conv3dCase('conv3d (C3D conv2)', 64, 128, 16, 56)],
    ['conv3a', () => conv3dCase('conv3d (C3D conv3a)', 128, 256, 8, 28)],
  ];
  const rows: BenchRow[] = [];
  for (const [key, run] of cases) {
    if (only && !only.split(',').includes(key)) continue;
    const row = await run();
    console.log(
      `  ${row.case}: ours ${row.oursMs.toFixed(1)} ms, ${row.peer} ${row.peerMs.toFixed(1)} ms, ${(row.peerMs / row.oursMs).toFixed(1)}x`,
    );
    rows.push(row);
  }
  // The conv cases make tfjs run for minutes; run them alone with --only=conv2 / --only=conv3a if needed.
  report(quick ? 'ops-quick' : only ? `ops-${only.replace(/,/g, '-')}` : 'ops', rows, {
    quick,
    kernels: kernelInfo(),
    backend: getBackend(),
  });
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
