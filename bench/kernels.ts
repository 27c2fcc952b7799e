// Kernel bench: GFLOP/s of gemm (1024^3, 256x2304x784, the LSTM products and their backward
// forms) and conv3d forward / grad-input / grad-weight at C3D's conv2 and conv3a shapes, one
// thread vs two. Peers: tfjs-cpu tf.matMul on the same shapes; for conv3d, tfjs-cpu tf.conv3d
// forward on a depth-reduced shape, its time scaled by the FLOP ratio (stated in each row's note).
// Run: node --import tsx bench/kernels.ts [--quick]
import * as os from 'node:os';
import * as tf from '@tensorflow/tfjs';
import {
  conv3dForward,
  conv3dGradInput,
  conv3dGradWeight,
  gemm,
  kernelInfo,
  setKernelThreads,
} from '../src/backend/cpu/kernels/index.js';
import { startWorkers, workerStats } from '../src/backend/cpu/kernels/threads.js';
import { conv3dGeometry } from '../src/tensor/geometry.js';
import { report, time, type BenchRow } from './util.js';

const quick = process.argv.includes('--quick');
const threadCounts = [1, 2];

function rand(n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = Math.random() * 2 - 1;
  return a;
}

async function main(): Promise<void> {
  const loadBefore = os.loadavg()[0];
  await tf.setBackend('cpu');
  startWorkers();
  while (workerStats().ready === 0 && kernelInfo().threads > 1) await new Promise((r) => setTimeout(r, 20));
  const rows: BenchRow[] = [];

  const gemms: Array<[string, boolean, boolean, number, number, number]> = [
    ['gemm 1024^3', false, false, 1024, 1024, 1024],
    ['gemm 256x2304x784', false, false, 256, 784, 2304],
    ['lstm x-proj [1600,72]x[72,1024]', false, false, 1600, 1024, 72],
    ['lstm x-proj dX [1600,1024]x[72,1024]^T', false, true, 1600, 72, 1024],
    ['lstm x-proj dW [1600,72]^T x[1600,1024]', true, false, 72, 1024, 1600],
    ['lstm step [32,256]x[256,1024]', false, false, 32, 1024, 256],
    ['lstm step dH [32,1024]x[256,1024]^T', false, true, 32, 256, 1024],
    ['lstm step dW [32,256]^T x[32,1024]', true, false, 256, 1024, 32],
  ];
  for (const [name, tA, tB, M, N, K] of gemms) {
    const A = rand(M * K),
      B = rand(K * N),
      C = new Float32Array(M * N);
    const flops = 2 * M * N * K;
    const reps = Math.max(3, Math.min(50, Math.round(2e9 / flops)));
    const at = tf.tensor2d(A, tA ? [K, M] : [M, K]),
      bt = tf.tensor2d(B, tB ? [N, K] : [K, N]);
    const peer = await time(() => tf.tidy(() => tf.matMul(at, bt, tA, tB).dataSync()), {
      warmup: 1,
      repeats: quick ? 1 : 3,
    });
    at.dispose();
    bt.dispose();
    for (const t of threadCounts) {
      setKernelThreads(t);
      const ours = await time(() => gemm(tA, tB, M, N, K, A, B, C), { warmup: 2, repeats: quick ? 3 : reps });
      rows.push({
        case: `${name} (${t} thr)`,
        ours: 'wasm simd',
        peer: 'tfjs-cpu matMul',
        oursMs: ours.ms,
        peerMs: peer.ms,
        flops,
      });
    }
  }

  const convs: Array<[string, number[], number[]]> = [
    ['conv2 x[1,64,16,56,56] w[128,64,3,3,3]', [1, 64, 16, 56, 56], [128, 64, 3, 3, 3]],
    ['conv3a x[1,128,8,28,28] w[256,128,3,3,3]', [1, 128, 8, 28, 28], [256, 128, 3, 3, 3]],
  ];
  for (const [name, xs, ws] of convs) {
    const g = conv3dGeometry(xs, ws, { padding: 1 });
    const flops = 2 * g.outputSize * g.inChannels * g.kernelVolume;
    const x = rand(g.inputSize),
      w = rand(g.weightSize),
      b = rand(g.outChannels);
    const dy = rand(g.outputSize);
    // Peer: tfjs conv3d forward on depth 2 (all else equal), scaled to the full FLOP count.
    const rd = [xs[0], 2, xs[3], xs[4], xs[1]];
    const xt = tf.tensor5d(rand(rd.reduce((a, c) => a * c)), rd as [number, number, number, number, number]);
    const ft = tf.tensor5d(rand(27 * ws[0] * ws[1]), [3, 3, 3, ws[1], ws[0]]);
    const peerRaw = await time(() => tf.tidy(() => tf.conv3d(xt, ft, 1, 'same').dataSync()), { warmup: 0, repeats: 1 });
    xt.dispose();
    ft.dispose();
    const peerFlops = 2 * ws[0] * ws[1] * 27 * 2 * xs[3] * xs[4];
    const peerMs = peerRaw.ms * (flops / peerFlops);
    const note = `peer: tfjs-cpu conv3d forward on depth 2 took ${peerRaw.ms.toFixed(0)} ms (${(peerFlops / peerRaw.ms / 1e6).toFixed(2)} GFLOP/s), scaled to this shape`;
    for (const t of threadCounts) {
      setKernelThreads(t);
      const opts = { warmup: 1, repeats: quick ? 1 : 3 };
      const f = await time(() => conv3dForward(x, w, b, g), opts);
      const gi = await time(() => conv3dGradInput(dy, w, g), opts);
      const gw = await time(() => conv3dGradWeight(x, dy, g), opts);
      rows.push({
        case: `${name} fwd (${t} thr)`,
        ours: 'wasm simd',
        peer: 'tfjs-cpu (scaled)',
        oursMs: f.ms,
        peerMs,
        flops,
        note: t === 1 ? note : undefined,
      });
      rows.push({
        case: `${name} grad-input (${t} thr)`,
        ours: 'wasm simd',
        peer: 'tfjs fwd rate',
        oursMs: gi.ms,
        peerMs,
        flops,
      });
      rows.push({
        case: `${name} grad-weight (${t} thr)`,
        ours: 'wasm simd',
        peer: 'tfjs fwd rate',
        oursMs: gw.ms,
        peerMs,
        flops,
      });
      rows.push({
        case: `${name} fwd+bwd (${t} thr)`,
        ours: 'wasm simd',
        peer: 'tfjs fwd rate',
        oursMs: f.ms + gi.ms + gw.ms,
        peerMs: 3 * peerMs,
        flops: 3 * flops,
      });
    }
  }
  // The machine is shared: a busy second core makes the 2-thread rows meaningless, so say so.
  const load = { before: loadBefore, after: os.loadavg()[0] };
  console.log(
    `1-min load average: ${load.before.toFixed(2)} before, ${load.after.toFixed(2)} after (2 cores; above ~1 the 2-thread rows compete with other work)`,
  );
  report('kernels', rows, { kernelInfo: kernelInfo(), workerChunks: workerStats().chunks, loadAverage: load, quick });
}

await main();
