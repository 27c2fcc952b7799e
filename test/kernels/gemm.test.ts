// gemm against a float64 triple loop for every transpose pair and awkward sizes.
// Tolerance: float32 products summed in float32 over K terms of |a*b| <= 1 err by about
// K * 2^-24 * sum|a*b| in the worst case but ~sqrt(K) * 2^-24 typically; relative to max |ref|
// (itself ~sqrt(K)) we see <= 5e-7 and assert 1e-5, which still catches any wrong index.
import { describe, expect, it } from 'vitest';
import { gemm, kernelInfo } from '../../src/backend/cpu/kernels/index.js';
import { random, refGemm, relErr } from './reference.js';

const SIZES: Array<[number, number, number]> = [
  [1, 1, 1], [3, 5, 7], [17, 33, 65], [1, 64, 300], [300, 1, 64], [40, 50, 1], [9, 12, 2000],
  [4, 8, 256], [5, 9, 257], [130, 70, 9], [32, 256, 72], [64, 520, 300],
];

describe('gemm', () => {
  it('reports the SIMD path', () => {
    expect(kernelInfo().simd).toBe(true);
  });
  for (const [M, N, K] of SIZES) {
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        it(`${M}x${N}x${K} transA=${tA} transB=${tB}`, () => {
          const A = random(M * K, M * 7 + K), B = random(K * N, N * 13 + K);
          const C = new Float32Array(M * N).fill(NaN); // must be overwritten, not added to
          gemm(tA, tB, M, N, K, A, B, C);
          expect(relErr(C, refGemm(tA, tB, M, N, K, A, B))).toBeLessThan(1e-5);
        });
      }
    }
  }

  it('honours offsets and accumulate, leaving the rest of C alone', () => {
    const M = 19, N = 23, K = 31, aOff = 5, bOff = 11, cOff = 3;
    for (const tA of [false, true]) {
      for (const tB of [false, true]) {
        const A = random(aOff + M * K + 4, 1), B = random(bOff + K * N + 4, 2);
        const C0 = random(cOff + M * N + 6, 3);
        const C = C0.slice();
        gemm(tA, tB, M, N, K, A, B, C, { aOffset: aOff, bOffset: bOff, cOffset: cOff, accumulate: true });
        const ref = refGemm(tA, tB, M, N, K, A, B, aOff, bOff);
        for (let i = 0; i < M * N; i++) ref[i] += C0[cOff + i];
        expect(relErr(C.subarray(cOff, cOff + M * N), ref)).toBeLessThan(1e-5);
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
    expect(() => gemm(false, false, 4, 4, 4, new Float32Array(15), new Float32Array(16), new Float32Array(16))).toThrow(/gemm: A needs 16/);
  });
});
