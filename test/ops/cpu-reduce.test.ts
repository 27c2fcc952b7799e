// The cpu backend's reductions over long merged runs (src/backend/cpu/reduce.ts): four float64
// partial sums with a tail, against a plain float64 loop, tighter than the conformance table's
// tolerance (which the float32 gpu backends share).
import { describe, expect, it } from 'vitest';
import { reduce } from '../../src/backend/cpu/reduce.js';

function uniform(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

describe('cpu reduce over merged runs', () => {
  for (const n of [1, 3, 4, 5, 10_007]) {
    it(`sums one run of ${n} elements as a float64 loop does`, () => {
      const x = uniform(n, n);
      let expected = 0;
      for (const v of x) expected += v;
      const got = reduce('sum', x, [1, n, 1], [0, 1, 2]);
      expect(got.length).toBe(1);
      expect(Math.abs(got[0] - Math.fround(expected))).toBeLessThanOrEqual(1e-7 * Math.max(1, Math.abs(expected)));
    });
  }

  it('sums rows of [2, 1, 3, 4, 5] over the trailing dims, kept dims before them', () => {
    const shape = [2, 1, 3, 4, 5];
    const x = uniform(120, 7);
    const got = reduce('sum', x, shape, [3, 4]);
    const expected = Array.from({ length: 6 }, (_, r) => x.subarray(r * 20, r * 20 + 20).reduce((a, v) => a + v, 0));
    expect(got.length).toBe(6);
    got.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
  });

  it('reduces an empty input to the identity of each op', () => {
    expect(Array.from(reduce('sum', new Float32Array(0), [2, 0], [1]))).toEqual([0, 0]);
    expect(Array.from(reduce('max', new Float32Array(0), [0, 3], [0]))).toEqual([-Infinity, -Infinity, -Infinity]);
  });
});
