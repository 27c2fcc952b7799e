// The core op table on the gpu backend: conv3d forward+backward at a reduced C3D
// shape, matmul, an LSTM step, maxPool3d forward+backward, for each gpu.js mode Node can run
// here (webasm; headlessgl when DISPLAY is set, e.g. under `xvfb-run -a`) against tfjs-cpu
// in the same process. On a CPU-only machine these numbers measure software GL (Mesa
// llvmpipe) and single-threaded WebAssembly, not a GPU.
// Run: node --import tsx bench/gpu.ts            (xvfb-run -a node --import tsx bench/gpu.ts for headlessgl)
import * as tf from '@tensorflow/tfjs';
import {
  conv3d,
  maxPool3d,
  matmul,
  lstmSequence,
  randn,
  tidy,
  manualSeed,
  setBackend,
  getBackend,
  registerBackend,
  type Tensor,
} from '../src/index.js';
import { GpuBackend } from '../src/backend/gpu/index.js';
import type { GpuMode } from '../src/backend/gpu/mode.js';
import { clearGrads, time, report, type BenchRow } from './util.js';

const modes: GpuMode[] = process.env.DISPLAY ? ['webasm', 'headlessgl'] : ['webasm'];
if (!process.env.DISPLAY) console.log('headlessgl skipped: no DISPLAY (run under xvfb-run -a)');
console.log(
  'NOTE: no GPU here. headlessgl = Mesa llvmpipe (software GL on the CPU); webasm = gpu.js WebAssembly, one thread.',
);

interface Case {
  name: string;
  flops: number;
  /** Builds inputs on the current backend and returns the timed body. */
  ours(): () => number;
  peer(): () => void;
}

const CI = 3,
  CO = 16,
  D = 8,
  HW = 28; // C3D conv1 with channels / 4 and 28x28 frames
const M = 256,
  K = 512,
  N = 256;
const B = 8,
  I = 72,
  H = 128;
const PC = 16,
  PD = 8,
  PHW = 28;

function readBoth(...ts: (Tensor | null)[]): number {
  let s = 0;
  for (const t of ts) if (t) s += t.dataSync()[0];
  return s;
}

const cases: Case[] = [
  {
    name: `conv3d fwd+bwd ${CI}->${CO} ${D}x${HW}x${HW} k3 p1`,
    flops: 3 * 2 * CO * CI * 27 * D * HW * HW,
    ours() {
      manualSeed(1);
      const x = randn([1, CI, D, HW, HW], { requiresGrad: true });
      const w = randn([CO, CI, 3, 3, 3], { requiresGrad: true });
      return () =>
        tidy(() => {
          conv3d(x, w, null, { padding: 1 }).sum().backward();
          const r = readBoth(x.grad, w.grad);
          clearGrads(x, w);
          return r;
        });
    },
    peer() {
      const x = tf.randomNormal([1, D, HW, HW, CI]) as tf.Tensor5D;
      const w = tf.randomNormal([3, 3, 3, CI, CO]) as tf.Tensor5D;
      return () => {
        const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) =>
          tf.conv3d(a as tf.Tensor5D, b as tf.Tensor5D, 1, 'same').sum(),
        )([x, w]);
        gx.dataSync();
        gw.dataSync();
        tf.dispose([gx, gw]);
      };
    },
  },
  {
    name: `matmul ${M}x${K}x${N}`,
    flops: 2 * M * K * N,
    ours() {
      const a = randn([M, K]);
      const b = randn([K, N]);
      return () => tidy(() => matmul(a, b).dataSync()[0]);
    },
    peer() {
      const a = tf.randomNormal([M, K]);
      const b = tf.randomNormal([K, N]);
      return () => tf.tidy(() => void tf.matMul(a, b).dataSync());
    },
  },
  {
    name: `LSTM step fwd+bwd B${B} ${I}->${H}`,
    flops: 3 * 2 * B * 4 * H * (I + H),
    ours() {
      const x = randn([B, 1, I], { requiresGrad: true });
      const w = {
        weightIh: randn([4 * H, I], { requiresGrad: true }),
        weightHh: randn([4 * H, H], { requiresGrad: true }),
        biasIh: randn([4 * H], { requiresGrad: true }),
        biasHh: null,
      };
      return () =>
        tidy(() => {
          lstmSequence(x, w, null, null, null).output.sum().backward();
          const r = readBoth(x.grad, w.weightIh.grad);
          clearGrads(x, w.weightIh, w.weightHh, w.biasIh);
          return r;
        });
    },
    peer() {
      const x = tf.randomNormal([B, I]);
      const h = tf.randomNormal([B, H]);
      const c = tf.randomNormal([B, H]);
      const k = tf.randomNormal([I + H, 4 * H]);
      const bias = tf.randomNormal([4 * H]);
      return () => {
        const gs = tf.grads((kk: tf.Tensor, xx: tf.Tensor) => {
          const [, hNew] = tf.basicLSTMCell(
            tf.scalar(1),
            kk as tf.Tensor2D,
            bias as tf.Tensor1D,
            xx as tf.Tensor2D,
            c as tf.Tensor2D,
            h as tf.Tensor2D,
          );
          return hNew.sum();
        })([k, x]);
        for (const g of gs) g.dataSync();
        tf.dispose(gs);
      };
    },
  },
  {
    name: `maxPool3d fwd+bwd ${PC}ch ${PD}x${PHW}x${PHW} k2`,
    flops: 0,
    ours() {
      const x = randn([1, PC, PD, PHW, PHW], { requiresGrad: true });
      return () =>
        tidy(() => {
          maxPool3d(x, { kernelSize: 2 }).sum().backward();
          const r = readBoth(x.grad);
          clearGrads(x);
          return r;
        });
    },
    peer() {
      const x = tf.randomNormal([1, PD, PHW, PHW, PC]) as tf.Tensor5D;
      return () => {
        const g = tf.grad((a: tf.Tensor) => tf.maxPool3d(a as tf.Tensor5D, 2, 2, 'valid').sum())(x);
        g.dataSync();
        g.dispose();
      };
    },
  },
];

async function main(): Promise<void> {
  await tf.setBackend('cpu');
  await tf.ready();
  const peerMs = new Map<string, number>();
  for (const c of cases) peerMs.set(c.name, (await time(c.peer(), { warmup: 1, repeats: 3 })).ms);
  const rows: BenchRow[] = [];
  for (const mode of modes) {
    const backend = new GpuBackend({ mode });
    registerBackend(`gpu-${mode}`, () => backend);
    setBackend(`gpu-${mode}`);
    console.log(`running ${getBackend().mode}`);
    for (const c of cases) {
      const body = c.ours();
      const t0 = performance.now();
      await body(); // first call: kernel builds
      const firstMs = performance.now() - t0;
      const t = await time(body, { warmup: 1, repeats: 3 });
      rows.push({
        case: c.name,
        ours: `gpu ${mode}`,
        peer: 'tfjs-cpu',
        oursMs: t.ms,
        peerMs: peerMs.get(c.name)!,
        flops: c.flops || undefined,
        note: `first call (kernel builds) ${firstMs.toFixed(0)} ms`,
      });
    }
    setBackend('cpu');
  }
  report('gpu', rows, {
    note: 'CPU-only machine: headlessgl is Mesa llvmpipe, webasm is single-threaded gpu.js WebAssembly; not GPU speeds',
    modes,
  });
}

void main();
