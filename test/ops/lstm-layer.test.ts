// The cpu backend's whole-layer LSTM (lstmLayer / lstmLayerGrad) against the per-step path
// (lstmCell per step, which the gradcheck and tfjs parity tests pin down): outputs, final states
// and every gradient, with initial states and a variable-length mask; one kernel thread against
// two, bit for bit (the recurrence's chunks are batch rows, never a split sum); and the forward's
// saved state as resident heap blocks, which the backward reads in place (bit for bit the values
// of plain arrays, freed when the op's tensors are).
import { describe, expect, it } from 'vitest';
import { lstmSequence, manualSeed, randn, tensor, tidy, type Tensor } from '../../src/index.js';
import { CpuBackend } from '../../src/backend/cpu/cpu-backend.js';
import {
  gemm,
  kernelInfo,
  releaseResident,
  residentFloats,
  residentOffset,
  setKernelThreads,
} from '../../src/backend/cpu/kernels/index.js';
import { startWorkers, workerStats } from '../../src/backend/cpu/kernels/threads.js';
import { getRuntime } from '../../src/backend/cpu/kernels/runtime.js';
import { lstmLayerBackward, lstmLayerForward } from '../../src/backend/cpu/lstm-layer.js';
import { random } from '../conformance/inputs.js';

type Fused = Pick<CpuBackend, 'lstmLayer' | 'lstmLayerGrad'>;

function run(fused: boolean, masked: boolean, [B, T, I, H] = [5, 7, 6, 9]): Float32Array[] {
  const proto = CpuBackend.prototype as Partial<Fused>;
  const saved = { lstmLayer: proto.lstmLayer, lstmLayerGrad: proto.lstmLayerGrad };
  if (!fused) {
    proto.lstmLayer = undefined;
    proto.lstmLayerGrad = undefined;
  }
  try {
    let out: Float32Array[] = [];
    tidy(() => {
      manualSeed(11);
      const g = { requiresGrad: true };
      const x = randn([B, T, I], g),
        wIh = randn([4 * H, I], g),
        wHh = randn([4 * H, H], g);
      const bIh = randn([4 * H], g),
        bHh = randn([4 * H], g),
        h0 = randn([B, H], g),
        c0 = randn([B, H], g);
      const lengths = Array.from({ length: B }, (_, b) => [T, 3, 5, 1, T][b % 5]);
      const mask = masked
        ? tensor(
            lengths.flatMap((n) => Array.from({ length: T }, (_, t) => (t < n ? 1 : 0))),
            [B, T],
          )
        : null;
      const r = lstmSequence(x, { weightIh: wIh, weightHh: wHh, biasIh: bIh, biasHh: bHh }, h0, c0, mask);
      const wOut = randn([B, T, H]),
        wH = randn([B, H]),
        wC = randn([B, H]);
      r.output.mul(wOut).sum().add(r.h.mul(wH).sum()).add(r.c.mul(wC).sum()).backward();
      const leaves: Tensor[] = [x, wIh, wHh, bIh, bHh, h0, c0];
      out = [r.output, r.h, r.c, ...leaves.map((t) => t.grad!)].map((t) => (t.dataSync() as Float32Array).slice());
    });
    return out;
  } finally {
    Object.assign(proto, saved);
  }
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let scale = 1e-12,
    d = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i]));
    d = Math.max(d, Math.abs(a[i] - b[i]));
  }
  return d / scale;
}

describe('cpu whole-layer LSTM', () => {
  const names = ['output', 'h', 'c', 'dx', 'dW_ih', 'dW_hh', 'db_ih', 'db_hh', 'dh0', 'dc0'];
  for (const masked of [false, true]) {
    it(`matches the per-step path${masked ? ' with a variable-length mask' : ''}`, () => {
      const fused = run(true, masked),
        steps = run(false, masked);
      fused.forEach((v, i) => {
        expect(v.length, names[i]).toBe(steps[i].length);
        expect(maxRelDiff(v, steps[i]), names[i]).toBeLessThan(1e-5);
      });
    });
  }
});

describe.skipIf(kernelInfo().threads < 2)('cpu whole-layer LSTM on two threads', () => {
  it('matches one thread bit for bit, with the worker taking chunks', async () => {
    // 18 rows: the recurrence job's two chunks are 12 and 6 rows (a padded group of 4).
    const shape: [number, number, number, number] = [18, 6, 10, 12];
    setKernelThreads(1);
    const one = run(true, true, shape);
    setKernelThreads(2);
    startWorkers();
    for (let i = 0; i < 200 && workerStats().ready === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const before = workerStats().chunks;
    let two = run(true, true, shape);
    // A worker that is slow to wake may leave every chunk to this thread (a tiny job on a busy
    // VM did so six times running once); it should not, often.
    for (let i = 0; i < 50 && workerStats().chunks === before; i++) two = run(true, true, shape);
    expect(workerStats().chunks).toBeGreaterThan(before);
    one.forEach((v, i) => expect(two[i]).toEqual(v));
  });
});

describe.skipIf(!getRuntime().shared)('cpu whole-layer LSTM: resident saved state', () => {
  it("the backward reads the forward's resident blocks in place, after other kernels used and grew the heap", () => {
    const [B, T, I, H] = [8, 6, 10, 12]; // B a multiple of 4: the gate activations are resident too
    const G = 4 * H;
    const x = random(T * B * I, 1),
      wIh = random(G * I, 2),
      wHh = random(G * H, 3),
      bIh = random(G, 4),
      bHh = random(G, 5);
    const base = residentFloats();
    const plain = lstmLayerForward(x, wIh, wHh, bIh, bHh, null, null, null, B, T, I, H);
    const res = lstmLayerForward(x, wIh, wHh, bIh, bHh, null, null, null, B, T, I, H, true);
    const saved = ['hs', 'cs', 'acts', 'out'] as const;
    for (const k of saved) {
      expect(residentOffset(res[k]), k).toBeGreaterThan(0);
      expect(residentOffset(plain[k]), k).toBe(-1);
      expect(res[k], k).toEqual(plain[k]);
    }
    // A product much larger than the layer's arena use runs between the passes.
    const C = new Float32Array(600 * 700);
    gemm(false, false, 600, 700, 500, random(600 * 500, 6), random(500 * 700, 7), C);
    const dOut = random(T * B * H, 8),
      dhT = random(B * H, 9);
    const gPlain = lstmLayerBackward(dOut, dhT, null, x, wIh, wHh, plain, null, B, T, I, H, true);
    const gRes = lstmLayerBackward(dOut, dhT, null, x, wIh, wHh, res, null, B, T, I, H, true);
    for (const k of ['dxTm', 'dWih', 'dWhh', 'dBias', 'dh0', 'dc0'] as const) expect(gRes[k], k).toEqual(gPlain[k]);
    for (const k of saved) releaseResident(res[k]);
    expect(residentFloats()).toBe(base);
  });

  it("frees its blocks when the op's tensors are disposed", () => {
    const base = residentFloats();
    run(true, true, [8, 6, 10, 12]);
    expect(residentFloats()).toBe(base);
  });
});
