// The wasm gemm's own API: the SIMD path, offsets and accumulate, empty sizes, short arrays. Its
// values for every transpose pair and awkward size are rows of the conformance table
// (test/conformance/rows/primitives.ts); the tolerance 1e-5 of max |ref| is explained there.
import { describe, expect, it } from 'vitest';
import { gemm, kernelInfo } from '../../src/backend/cpu/kernels/index.js';
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
