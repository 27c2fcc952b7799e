// Two threads give bit-identical results to one (chunks split C, never the K sum; Winograd blocks and
// output-channel splits likewise; the 2x2 pool job splits channels), workers really
// take chunks, and kernels still work while workers are starting. Skipped where shared memory or
// worker_threads are missing (kernelInfo().threads === 1 by default there).
import { describe, expect, it } from 'vitest';
import {
  conv3dForward,
  conv3dForwardWinograd,
  conv3dReluMaxPoolWinograd,
  conv3dGradWeightWinograd,
  conv3dGradInput,
  conv3dGradWeight,
  gemm,
  kernelInfo,
  maxPool3dForward,
  setKernelThreads,
} from '../../src/backend/cpu/kernels/index.js';
import { startWorkers, workerStats } from '../../src/backend/cpu/kernels/threads.js';
import { conv3dGeometry, pool3dGeometry } from '../../src/tensor/geometry.js';
import { random } from '../conformance/inputs.js';

const multi = kernelInfo().threads > 1;

function runAll(): Float32Array[] {
  const M = 150,
    N = 260,
    K = 300;
  const A = random(M * K, 1),
    B = random(K * N, 2);
  const out: Float32Array[] = [];
  for (const [tA, tB] of [
    [false, false],
    [true, true],
  ] as const) {
    const C = new Float32Array(M * N);
    gemm(tA, tB, M, N, K, A, B, C);
    out.push(C);
  }
  const g = conv3dGeometry([2, 8, 6, 12, 12], [16, 8, 3, 3, 3], { padding: 1 });
  const x = random(2 * 8 * 6 * 12 * 12, 3),
    w = random(16 * 8 * 27, 4);
  const dy = random(2 * 16 * 6 * 12 * 12, 5);
  out.push(conv3dForward(x, w, null, g), conv3dGradInput(dy, w, g), conv3dGradWeight(x, dy, g));
  // Winograd: the weight-transform job and the tile-block job (three batch items in one job; blocks split by output channel).
  const gw = conv3dGeometry([3, 32, 5, 9, 11], [36, 32, 3, 3, 3], { padding: 1 });
  const xw = random(3 * 32 * 5 * 9 * 11, 6),
    ww = random(36 * 32 * 27, 7),
    bw = random(36, 8);
  out.push(conv3dForwardWinograd(xw, ww, bw, gw), conv3dForwardWinograd(xw, ww, bw, gw, 8));
  const dyw = random(3 * 36 * 5 * 9 * 11, 9);
  out.push(conv3dGradWeightWinograd(xw, dyw, gw), conv3dGradWeightWinograd(xw, dyw, gw, 2));
  // The pool job: channels split into chunks; rows of 7 outputs end in the driver's JS tail (on workers too).
  const gp = pool3dGeometry([2, 12, 4, 10, 14], { kernelSize: 2 });
  const xp = random(gp.inputSize, 10);
  xp[17] = NaN;
  const pooled = maxPool3dForward(xp, gp);
  out.push(pooled.y, Float32Array.from(pooled.argmax));
  const gf = conv3dGeometry([1, 4, 4, 10, 14], [12, 4, 3, 3, 3], { padding: 1 });
  const pf = pool3dGeometry(gf.outputShape, { kernelSize: [1, 2, 2] });
  const fused = conv3dReluMaxPoolWinograd(random(gf.inputSize, 11), random(gf.weightSize, 12), null, gf, pf);
  if (!fused) throw new Error('conv3dReluMaxPoolWinograd did not fuse a 1x2x2 pool');
  out.push(fused);
  return out;
}

describe.skipIf(!multi)('kernel threads', () => {
  it('match one thread bit for bit, with workers taking chunks', async () => {
    setKernelThreads(1);
    const one = runAll();
    setKernelThreads(2);
    startWorkers();
    for (let i = 0; i < 200 && workerStats().ready === 0; i++) await new Promise((r) => setTimeout(r, 25));
    expect(workerStats().ready).toBeGreaterThan(0);
    const before = workerStats().chunks;
    let two = runAll();
    // A worker that is slow to wake may leave every chunk to this thread; it should not, often.
    for (let i = 0; i < 5 && workerStats().chunks === before; i++) two = runAll();
    expect(workerStats().chunks).toBeGreaterThan(before);
    for (let i = 0; i < one.length; i++) expect(two[i]).toEqual(one[i]);
  });

  it('survive 1500 back-to-back jobs (the hand-over between jobs never loses a chunk)', async () => {
    setKernelThreads(2);
    startWorkers();
    for (let i = 0; i < 200 && workerStats().ready === 0; i++) await new Promise((r) => setTimeout(r, 25));
    const M = 128,
      N = 128,
      K = 128; // just above the size that is split across threads (4 MFLOP)
    const A = random(M * K, 6),
      B = random(K * N, 7);
    setKernelThreads(1);
    const expected = new Float32Array(M * N);
    gemm(false, false, M, N, K, A, B, expected);
    setKernelThreads(2);
    const C = new Float32Array(M * N);
    const before = workerStats().chunks;
    for (let i = 0; i < 1500; i++) {
      gemm(false, false, M, N, K, A, B, C);
      if (i % 500 === 0) expect(C).toEqual(expected);
    }
    expect(C).toEqual(expected);
    expect(workerStats().chunks).toBeGreaterThan(before);
  });
});
