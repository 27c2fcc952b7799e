// The model bench: C3D forward and one training step at a small CPU size, the paper
// C3D forward (ours measured; tfjs extrapolated unless --paper-tfjs, it takes minutes), and one
// PLM-IPE mutualStep at batch 32 on cached fc7 features, each against the same computation in
// TensorFlow.js's cpu backend in the same run (weights copied, outputs compared).
// Run: node --import tsx bench/models.ts [--paper-tfjs]
import * as tf from '@tensorflow/tfjs';
import { manualSeed, randn, tidy, noGrad, getBackend, crossEntropy, Adam, Linear, type Tensor } from '../src/index.js';
import {
  C3D,
  c3dGeometry,
  c3dPools,
  PLMIPE,
  createOptimizers,
  PAPER_PRESET,
  type C3DOptions,
  type PreferenceBatch,
} from '../src/models/index.js';
import { c3dFlops, time, report, type BenchRow } from './util.js';

const runPaperTfjs = process.argv.includes('--paper-tfjs');
const SMALL: C3DOptions = { width: 1 / 8, clipLength: 8, inputSize: 32, temporalPools: 3, dropout: 0.5 };
const SMALL_BATCH = 4;

function toTf(t: Tensor, perm?: number[]): tf.Tensor {
  const x = tf.tensor(t.dataSync(), t.shape as number[]);
  if (!perm) return x;
  const y = tf.transpose(x, perm);
  x.dispose();
  return y;
}

/** The same C3D in tfjs (NDHWC), with our weights. */
function tfC3D(model: C3D) {
  const convs = ['conv1', 'conv2', 'conv3a', 'conv3b', 'conv4a', 'conv4b', 'conv5a', 'conv5b'] as const;
  const vars: Record<string, tf.Variable> = {};
  for (const n of convs) {
    vars[`${n}.w`] = tf.variable(toTf(model[n].weight, [2, 3, 4, 1, 0])); // [kD, kH, kW, in, out]
    vars[`${n}.b`] = tf.variable(toTf(model[n].bias!));
  }
  for (const n of ['fc6', 'fc7'] as const) {
    vars[`${n}.w`] = tf.variable(toTf(model[n].weight, [1, 0])); // [in, out]
    vars[`${n}.b`] = tf.variable(toTf(model[n].bias!));
  }
  const pools = c3dPools(model.config);
  const pool = (x: tf.Tensor5D, p: (typeof pools)['pool1']) => {
    const k = p.kernelSize as [number, number, number];
    let y = x;
    // pool5's padding (0, 1, 1): inputs are post-ReLU (>= 0) and every window holds a real
    // value, so zero padding gives the max that PyTorch's -inf padding gives.
    if (p.padding)
      y = tf.pad(x, [
        [0, 0],
        [0, 0],
        [1, 1],
        [1, 1],
        [0, 0],
      ]);
    return tf.maxPool3d(y, k, k, 'valid');
  };
  const conv = (x: tf.Tensor5D, n: string) =>
    tf.relu(tf.add(tf.conv3d(x, vars[`${n}.w`] as tf.Tensor5D, 1, 'same'), vars[`${n}.b`])) as tf.Tensor5D;
  const forward = (x: tf.Tensor5D, training: boolean): tf.Tensor2D => {
    let h = pool(conv(x, 'conv1'), pools.pool1);
    h = pool(conv(h, 'conv2'), pools.pool2);
    h = pool(conv(conv(h, 'conv3a'), 'conv3b'), pools.pool3);
    h = pool(conv(conv(h, 'conv4a'), 'conv4b'), pools.pool4);
    h = pool(conv(conv(h, 'conv5a'), 'conv5b'), pools.pool5);
    // NDHWC -> NCDHW before flattening, so fc6's weights see our (PyTorch's) order.
    let f = tf.reshape(tf.transpose(h, [0, 4, 1, 2, 3]), [x.shape[0], -1]) as tf.Tensor2D;
    const p = model.config.dropout;
    f = tf.relu(tf.add(tf.matMul(f, vars['fc6.w']), vars['fc6.b'])) as tf.Tensor2D;
    if (training) f = tf.dropout(f, p) as tf.Tensor2D;
    f = tf.relu(tf.add(tf.matMul(f, vars['fc7.w']), vars['fc7.b'])) as tf.Tensor2D;
    if (training) f = tf.dropout(f, p) as tf.Tensor2D;
    return f;
  };
  return { vars, forward };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

async function c3dCases(): Promise<{ rows: BenchRow[]; parity: number }> {
  manualSeed(1);
  const model = new C3D(SMALL);
  const x = randn([SMALL_BATCH, ...model.clipShape]);
  const tx = toTf(x, [0, 2, 3, 4, 1]) as tf.Tensor5D;
  const peerModel = tfC3D(model);
  const flops = SMALL_BATCH * c3dFlops(c3dGeometry(SMALL));

  model.eval();
  const oursOut = noGrad(() => model.forward(x)).dataSync();
  const peerOut = tf.tidy(() => peerModel.forward(tx, false).dataSync());
  const parity = maxAbsDiff(oursOut, peerOut);
  const fwd = await time(() => tidy(() => noGrad(() => model.forward(x).dataSync()[0])), { warmup: 1, repeats: 5 });
  const peerFwd = await time(() => tf.tidy(() => peerModel.forward(tx, false).dataSync()[0]), {
    warmup: 1,
    repeats: 5,
  });

  // Training step: head Linear(featureSize, 3), CE, backward through the whole C3D, Adam.
  model.train();
  const head = new Linear(model.featureSize, 3);
  const labels = Array.from({ length: SMALL_BATCH }, (_, i) => i % 3);
  const opt = new Adam([...model.parameters(), ...head.parameters()], { lr: 1e-4 });
  const step = await time(
    () =>
      tidy(() => {
        opt.zeroGrad();
        const loss = crossEntropy(head.forward(model.forward(x)), labels);
        loss.backward();
        opt.step();
        return loss.item();
      }),
    { warmup: 1, repeats: 3 },
  );
  const headW = tf.variable(toTf(head.weight, [1, 0]));
  const headB = tf.variable(toTf(head.bias!));
  const tfOpt = tf.train.adam(1e-4);
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
  const peerStep = await time(
    () =>
      tf.tidy(() => {
        const loss = tfOpt.minimize(
          () =>
            tf.losses.softmaxCrossEntropy(
              oneHot,
              tf.add(tf.matMul(peerModel.forward(tx, true), headW), headB),
            ) as tf.Scalar,
          true,
        );
        return loss!.dataSync()[0];
      }),
    { warmup: 1, repeats: 3 },
  );
  const size = `w1/8 ${SMALL.clipLength}x32x32 batch ${SMALL_BATCH}`;
  return {
    rows: [
      { case: `C3D forward ${size}`, ours: 'plm-ipe cpu', peer: 'tfjs-cpu', oursMs: fwd.ms, peerMs: peerFwd.ms, flops },
      {
        case: `C3D train step ${size}`,
        ours: 'plm-ipe cpu',
        peer: 'tfjs-cpu',
        oursMs: step.ms,
        peerMs: peerStep.ms,
        flops: 3 * flops,
        note: 'forward + CE + backward + Adam; flops counted as 3x forward',
      },
    ],
    parity,
  };
}

/**
 * The paper-size C3D forward (1 clip of 16x112x112): ours measured (seconds); tfjs measured only
 * with --paper-tfjs (minutes), otherwise extrapolated from its small-case GFLOP/s and marked so.
 */
async function paperC3D(peerGflops: number): Promise<BenchRow> {
  const flops = c3dFlops(c3dGeometry({}));
  manualSeed(2);
  const model = new C3D().eval();
  const x = randn([1, 3, 16, 112, 112]);
  const ours = await time(() => tidy(() => noGrad(() => model.forward(x).dataSync()[0])), { warmup: 0, repeats: 1 });
  let peerMs = flops / peerGflops / 1e6;
  let note = `tfjs EXTRAPOLATED, not run: ${(flops / 1e9).toFixed(1)} GFLOP at tfjs's small-case GFLOP/s (measure with --paper-tfjs; minutes)`;
  if (runPaperTfjs) {
    const peerModel = tfC3D(model);
    const tx = toTf(x, [0, 2, 3, 4, 1]) as tf.Tensor5D;
    peerMs = (await time(() => tf.tidy(() => peerModel.forward(tx, false).dataSync()[0]), { warmup: 0, repeats: 1 }))
      .ms;
    note = 'both measured, one run each';
  }
  return {
    case: `C3D forward paper 16x112x112 batch 1${runPaperTfjs ? '' : ' (tfjs extrapolated)'}`,
    ours: 'plm-ipe cpu',
    peer: 'tfjs-cpu',
    oursMs: ours.ms,
    peerMs,
    flops,
    note,
  };
}

/** One mutual step, batch 32 videos x 2 cached clips of 4096-d, 64 landmark frames, paper LBE. */
async function mutualCase(): Promise<BenchRow> {
  const N = 32;
  const T = 64;
  manualSeed(3);
  const model = new PLMIPE({ pixel: { c3d: { width: 1, clipLength: 16, inputSize: 112 } } });
  const opts = createOptimizers(model, { ...PAPER_PRESET, trainBackbone: false });
  const features = randn([2 * N, 4096]).relu();
  const videoIndex = Array.from({ length: 2 * N }, (_, j) => j >> 1);
  const descriptors = randn([N, T, 72]);
  const labels = Array.from({ length: N }, (_, i) => i % 3);
  const batch: PreferenceBatch = { pixel: { features, videoIndex }, landmark: { descriptors }, labels };
  const ours = await time(
    () => model.mutualStep(batch, { pixelOptimizer: opts.pixel, landmarkOptimizer: opts.landmark }),
    { warmup: 1, repeats: 5 },
  );

  // tfjs: the same two halves with tf.layers.lstm + dense and two Adam optimizers.
  const T2 = 100; // T^2 at T = 10
  const lstm = tf.layers.lstm({ units: 256, returnSequences: false });
  const lDense = tf.layers.dense({ units: 3 });
  const pDense = tf.layers.dense({ units: 3 });
  const tDesc = toTf(descriptors);
  const avg = tf.tidy(() => tf.div(tf.oneHot(tf.tensor1d(videoIndex, 'int32'), N).transpose(), 2));
  const tFeat = toTf(features);
  const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), 3);
  const landmarkLogits = () => lDense.apply(lstm.apply(tDesc)) as tf.Tensor2D;
  const pixelLogits = () => pDense.apply(tf.matMul(avg, tFeat)) as tf.Tensor2D;
  tf.tidy(() => {
    landmarkLogits();
    pixelLogits();
  });
  const lOpt = tf.train.adam(5e-3, 0.9, 0.999);
  const pOpt = tf.train.adam(1e-4);
  const kl = (own: tf.Tensor2D, peer: tf.Tensor2D) => {
    const lp = tf.logSoftmax(tf.div(own, 10));
    const lq = tf.logSoftmax(tf.div(peer, 10));
    return tf.mean(tf.sum(tf.mul(tf.exp(lp), tf.sub(lp, lq)), 1));
  };
  const lVars = [...lstm.trainableWeights, ...lDense.trainableWeights].map((w) => w.read() as tf.Variable);
  const pVars = pDense.trainableWeights.map((w) => w.read() as tf.Variable);
  const peer = await time(
    () =>
      tf.tidy(() => {
        const zP = tf.keep(pixelLogits()); // the peer's prediction, outside any tape (detached)
        lOpt.minimize(
          () => {
            const z = landmarkLogits();
            return tf.add(tf.losses.softmaxCrossEntropy(oneHot, z), tf.mul(kl(z, zP), T2)) as tf.Scalar;
          },
          false,
          lVars,
        );
        const zL = landmarkLogits();
        pOpt.minimize(
          () => {
            const z = pixelLogits();
            return tf.add(tf.losses.softmaxCrossEntropy(oneHot, z), tf.mul(kl(z, zL), T2)) as tf.Scalar;
          },
          false,
          pVars,
        );
        zP.dispose();
        return zL.dataSync()[0];
      }),
    { warmup: 1, repeats: 5 },
  );
  return {
    case: `mutualStep batch ${N} cached 4096-d features, LSTM 72->256 T=${T}`,
    ours: 'plm-ipe cpu',
    peer: 'tfjs-cpu',
    oursMs: ours.ms,
    peerMs: peer.ms,
    note: 'same two halves on both sides (tfjs: tf.layers.lstm + dense, two Adams, equal-length sequences)',
  };
}

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  const { rows, parity } = await c3dCases();
  console.log(`C3D small forward parity with tfjs: max |diff| = ${parity.toExponential(2)}`);
  const peerGflops = rows[0].flops! / rows[0].peerMs / 1e6;
  rows.push(await paperC3D(peerGflops));
  rows.push(await mutualCase());
  report('models', rows, {
    backend: getBackend(),
    paperTfjsMeasured: runPaperTfjs,
    c3dSmall: SMALL,
    parityMaxAbsDiff: parity,
  });
}

await main();
