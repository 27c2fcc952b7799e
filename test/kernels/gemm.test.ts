// The wasm gemm's own API: the SIMD path, offsets and accumulate, empty sizes, short arrays. Its
// values for every transpose pair and awkward size are rows of the conformance table
// (test/conformance/rows/primitives.ts); the tolerance 1e-5 of max |ref| is explained there.
import { describe, expect, it } from 'vitest';
import { gemm, kernelInfo } from '../../src/backend/cpu/kernels/index.js';
import { newJob, packA, runDenseProduct } from '../../src/backend/cpu/kernels/gemm.js';
import { getRuntime } from '../../src/backend/cpu/kernels/runtime.js';
import { gemmReference } from '../../src/backend/cpu/reference.js';
import { maxRelErr } from '../conformance/compare.js';
import { random } from '../conformance/inputs.js';

describe('gemm', () => {
  it('reports the SIMD path', () => {
    expect(kernelInfo().simd).toBe(true);
  });
  it('honours offsets and accumulate, leaving the rest of C alone', () => {
    const M = 19,
      N = 23,
      K = 31,
      aOff = 5,
      bOff = 11,
      cOff = 3;
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const A = random(aOff + M * K + 4, 1),
          B = random(bOff + K * N + 4, 2);
        const C0 = random(cOff + M * N + 6, 3);
        const C = C0.slice();
        gemm(tA, tB, M, N, K, A, B, C, { aOffset: aOff, bOffset: bOff, cOffset: cOff, accumulate: true });
        const ref = gemmReference(tA, tB, M, N, K, A, B, aOff, bOff);
        for (let i = 0; i < M * N; i++) ref[i] += C0[cOff + i];
        expect(maxRelErr(C.subarray(cOff, cOff + M * N), ref)).toBeLessThan(1e-5);
        expect(Array.from(C.subarray(0, cOff))).toEqual(Array.from(C0.subarray(0, cOff)));
        expect(Array.from(C.subarray(cOff + M * N))).toEqual(Array.from(C0.subarray(cOff + M * N)));
      }
    }
  });

  it('K = 0 gives zeros (or leaves C when accumulating); M or N = 0 is a no-op', () => {
    const C = new Float32Array(6).fill(7);
    gemm(false, false, 2, 3, 0, new Float32Array(0), new Float32Array(0), C, { accumulate: true });
    expect(Array.from(C)).toEqual([7, 7, 7, 7, 7, 7]);
    gemm(false, false, 2, 3, 0, new Float32Array(0), new Float32Array(0), C);
    expect(Array.from(C)).toEqual([0, 0, 0, 0, 0, 0]);
    gemm(false, false, 0, 3, 4, new Float32Array(0), new Float32Array(12), C);
  });

  it('rejects arrays too short for the shape', () => {
    expect(() => gemm(false, false, 4, 4, 4, new Float32Array(15), new Float32Array(16), new Float32Array(16))).toThrow(
      /gemm: A needs 16/,
    );
  });
});

describe('batched dense products', () => {
  // runDenseProduct's `batch`: products of one shape in one job, one per chunk when there are
  // enough of them (the Winograd weight gradient's 64 points), or split as a single product otherwise.
  it.each([
    ['many products, one per chunk', 9, 13, 21, 300, true],
    ['two products, split within each', 2, 37, 41, 1400, false],
  ])('%s equal the products one at a time', (_name, count, M, N, K, bTrans) => {
    const rt = getRuntime();
    rt.reset();
    const { MR } = rt.driver;
    const aPT = Math.ceil(M / MR) * MR * K + 8,
      bPT = K * N + 4,
      cPT = M * N + 12;
    const aP = rt.alloc(count * aPT),
      b = rt.alloc(count * bPT),
      c = rt.alloc(count * cPT);
    const A = random(count * M * K, 5),
      B = random(count * bPT, 6),
      C0 = random(count * cPT, 7);
    for (let i = 0; i < count; i++) packA(rt, A, i * M * K, false, M, K, aP + i * aPT);
    rt.heap().set(B, b);
    rt.heap().set(C0, c);
    const p = { aPack: aP, b, bTrans, bLd: bTrans ? K : N, c, ldc: N, accumulate: true };
    runDenseProduct(rt, newJob(rt), M, N, K, p, { count, a: aPT, b: bPT, c: cPT });
    const C = rt.heap().slice(c, c + count * cPT);
    for (let i = 0; i < count; i++) {
      const ref = gemmReference(false, bTrans, M, N, K, A, B, i * M * K, i * bPT);
      for (let j = 0; j < M * N; j++) ref[j] += C0[i * cPT + j];
      expect(maxRelErr(C.subarray(i * cPT, i * cPT + M * N), ref)).toBeLessThan(1e-5);
      // The gap between one product's C and the next is left alone.
      expect(Array.from(C.subarray(i * cPT + M * N, (i + 1) * cPT))).toEqual(
        Array.from(C0.subarray(i * cPT + M * N, (i + 1) * cPT)),
      );
    }
  });
});
