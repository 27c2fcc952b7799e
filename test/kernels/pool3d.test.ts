// Max and avg pooling against PyTorch's definitions written as float64 loops: padding (-inf for
// max, count_include_pad both ways for avg), overlapping windows (kernel 3 stride 2), ceil mode,
// ties (first in d, h, w scan order wins), and the backward passes (sums where windows overlap).
import { describe, expect, it } from 'vitest';
import { avgPool3dBackward, avgPool3dForward, maxPool3dBackward, maxPool3dForward } from '../../src/backend/cpu/kernels/index.js';
import { pool3dGeometry, type Pool3dOptions } from '../../src/tensor/geometry.js';
import { random, refAvgPool, refAvgPoolBackward, refMaxPool, relErr } from './reference.js';

const CASES: Array<{ name: string; x: number[]; opts: Pool3dOptions }> = [
  { name: 'k2 (C3D pool)', x: [2, 3, 4, 6, 6], opts: { kernelSize: 2 } },
  { name: 'k[1,2,2] (C3D pool1)', x: [1, 2, 3, 6, 8], opts: { kernelSize: [1, 2, 2] } },
  { name: 'k3 s2 overlapping', x: [1, 2, 7, 9, 8], opts: { kernelSize: 3, stride: 2 } },
  { name: 'k3 s2 pad1', x: [2, 2, 5, 6, 7], opts: { kernelSize: 3, stride: 2, padding: 1 } },
  { name: 'k2 s2 ceil mode', x: [1, 3, 5, 7, 3], opts: { kernelSize: 2, stride: 2, ceilMode: true } },
  { name: 'k3 s2 pad1 ceil mode', x: [1, 2, 6, 8, 5], opts: { kernelSize: 3, stride: 2, padding: 1, ceilMode: true } },
];

describe('pool3d', () => {
  for (const c of CASES) {
    const g = pool3dGeometry(c.x, c.opts);
    const x = random(c.x.reduce((a, b) => a * b), 21);
    const dy = random(g.batch * g.channels * g.outD * g.outH * g.outW, 22);

    it(`${c.name}: max forward, argmax and backward`, () => {
      const { y, argmax } = maxPool3dForward(x, g);
      const ref = refMaxPool(x, g);
      expect(Array.from(y)).toEqual(Array.from(ref.y));
      expect(Array.from(argmax)).toEqual(Array.from(ref.argmax));
      const dx = maxPool3dBackward(dy, argmax, g);
      const refDx = new Float64Array(x.length);
      for (let o = 0; o < dy.length; o++) refDx[ref.argmax[o]] += dy[o];
      expect(relErr(dx, refDx)).toBeLessThan(1e-6);
    });
    for (const includePad of [true, false]) {
      it(`${c.name}: avg forward and backward, countIncludePad=${includePad}`, () => {
        expect(relErr(avgPool3dForward(x, g, includePad), refAvgPool(x, g, includePad))).toBeLessThan(1e-6);
        expect(relErr(avgPool3dBackward(dy, g, includePad), refAvgPoolBackward(dy, g, includePad))).toBeLessThan(1e-6);
      });
    }
  }

  it('ties go to the first cell in scan order; padding never wins, even over -inf inputs', () => {
    const g = pool3dGeometry([1, 1, 2, 2, 2], { kernelSize: 2, stride: 1, padding: 1 });
    const x = new Float32Array([5, 5, 5, 5, 5, 5, 5, 5]);
    const { y, argmax } = maxPool3dForward(x, g);
    // Output (1,1,1) sees the whole input: the first 5 (index 0) must win.
    const mid = (1 * g.outH + 1) * g.outW + 1;
    expect(y[mid]).toBe(5);
    expect(argmax[mid]).toBe(0);
    // Output (0,0,0) sees only x[0,0,0] among padding.
    expect(argmax[0]).toBe(0);
    const neg = maxPool3dForward(new Float32Array(8).fill(-Infinity), g);
    expect(neg.y[0]).toBe(-Infinity);
    expect(neg.argmax[0]).toBe(0);
    expect(Array.from(neg.argmax).every((i) => i >= 0 && i < 8)).toBe(true);
  });

  it('argmax indexes the whole x, not the channel plane', () => {
    const g = pool3dGeometry([2, 2, 2, 2, 2], { kernelSize: 2 });
    const x = random(32, 5);
    const { argmax } = maxPool3dForward(x, g);
    for (let p = 0; p < 4; p++) expect(Math.floor(argmax[p] / 8)).toBe(p);
  });
});
