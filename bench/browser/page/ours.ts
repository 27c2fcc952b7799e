// Page side: the op table on plm-ipe (the current backend). Each factory builds its inputs and
// returns the timed body, which ends in `await data()` so it measures finished device work
// (WebGPU has no synchronous readback).
import {
  Adam,
  conv3d,
  crossEntropy,
  linear,
  lstmSequence,
  manualSeed,
  matmul,
  maxPool3d,
  randn,
  relu,
  tidy,
  type Tensor,
} from '../../../src/index.js';
import type { Preset } from './presets.js';

export type Body = () => Promise<unknown>;

/** Features after the conv blocks: the first pools (1,2,2), the others 2x2x2. */
export function c3dFeatures(c: Preset['c3d']): number {
  const blocks = c.channels.length - 1;
  return c.channels[blocks] * (c.d >> (blocks - 1)) * (c.hw >> blocks) * (c.hw >> blocks);
}

/** FLOPs of one C3D step (convs forward + two backward products; the head is negligible). */
export function c3dFlops(c: Preset['c3d']): number {
  let f = 0;
  let d = c.d;
  let hw = c.hw;
  for (let i = 1; i < c.channels.length; i++) {
    f += 3 * 2 * c.n * c.channels[i] * c.channels[i - 1] * 27 * d * hw * hw;
    if (i > 1) d >>= 1;
    hw >>= 1;
  }
  return f;
}

async function readAll(ts: (Tensor | null)[]): Promise<void> {
  await Promise.all(ts.map((t) => t?.data()));
}

function clearGrads(ts: Tensor[]): void {
  for (const t of ts) t.grad = null;
}

export const OURS: Record<string, (p: Preset) => Body> = {
  conv3d({ conv: c }) {
    manualSeed(1);
    const x = randn([c.n, c.ci, c.d, c.hw, c.hw], { requiresGrad: true });
    const w = randn([c.co, c.ci, 3, 3, 3], { requiresGrad: true });
    return async () => {
      tidy(() => conv3d(x, w, null, { padding: 1 }).sum().backward());
      await readAll([x.grad, w.grad]);
      clearGrads([x, w]);
    };
  },
  matmul({ matmul: m }) {
    const a = randn([m.m, m.k]);
    const b = randn([m.k, m.n]);
    return async () => {
      const y = matmul(a, b);
      await y.data();
      y.dispose();
    };
  },
  lstm({ lstm: l }) {
    const x = randn([l.b, 1, l.i], { requiresGrad: true });
    const w = {
      weightIh: randn([4 * l.h, l.i], { requiresGrad: true }),
      weightHh: randn([4 * l.h, l.h], { requiresGrad: true }),
      biasIh: randn([4 * l.h], { requiresGrad: true }),
      biasHh: null,
    };
    return async () => {
      tidy(() => lstmSequence(x, w, null, null, null).output.sum().backward());
      await readAll([x.grad, w.weightIh.grad]);
      clearGrads([x, w.weightIh, w.weightHh, w.biasIh]);
    };
  },
  maxPool({ pool: p }) {
    const x = randn([1, p.c, p.d, p.hw, p.hw], { requiresGrad: true });
    return async () => {
      tidy(() => maxPool3d(x, { kernelSize: 2 }).sum().backward());
      await readAll([x.grad]);
      clearGrads([x]);
    };
  },
  c3dStep({ c3d: c }) {
    manualSeed(2);
    const ws = c.channels
      .slice(1)
      .map((co, i) => [
        randn([co, c.channels[i], 3, 3, 3], { requiresGrad: true }).mul(0.1).detach().requiresGrad_(),
        randn([co]).mul(0).detach().requiresGrad_(),
      ]);
    const feat = c3dFeatures(c);
    const head = randn([c.classes, feat]).mul(0.01).detach().requiresGrad_();
    const params = [...ws.flat(), head];
    const opt = new Adam(params, { lr: 1e-3 });
    const x = randn([c.n, c.channels[0], c.d, c.hw, c.hw]);
    const targets = Array.from({ length: c.n }, (_, i) => i % c.classes);
    return async () => {
      const loss = tidy(() => {
        opt.zeroGrad();
        let h = x;
        ws.forEach(([w, b], i) => {
          h = maxPool3d(relu(conv3d(h, w, b, { padding: 1 })), { kernelSize: i === 0 ? [1, 2, 2] : 2 });
        });
        const l = crossEntropy(linear(h.reshape([c.n, feat]), head, null), targets);
        l.backward();
        opt.step();
        return l;
      });
      await loss.data();
      loss.dispose();
    };
  },
};
