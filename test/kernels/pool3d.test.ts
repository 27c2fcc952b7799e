// What the wasm max pooling kernel promises beyond its values (which are rows of the conformance
// table, test/conformance/rows/conv-pool.ts): ties go to the first cell in d, h, w scan order,
// padding never wins, and argmax indexes the whole x.
import { describe, expect, it } from 'vitest';
import { maxPool3dForward } from '../../src/backend/cpu/kernels/index.js';
import { pool3dGeometry } from '../../src/tensor/geometry.js';
import { random } from '../conformance/inputs.js';

describe('pool3d', () => {
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

  it("C3D's 2x2 and 2x2x2 pools (the unrolled loop) resolve ties, -inf and NaN as the general loop", () => {
    // A 2x2x2 pool written as a stride-2, kernel-2 pool with padding 0 takes the unrolled loop; the
    // same windows with ceil mode on an odd size take the general one for the overhanging window only.
    for (const kD of [1, 2]) {
      const shape = [1, 2, 2 * kD + 1, 5, 7];
      const n = shape.reduce((a, b) => a * b);
      const x = random(n, 9).map((v) => Math.round(v * 2) / 2); // many ties
      x[3] = NaN;
      x[4] = NaN;
      x[40] = -Infinity;
      const gf = pool3dGeometry(shape, { kernelSize: [kD, 2, 2] });
      const g = pool3dGeometry(shape, { kernelSize: [kD, 2, 2], ceilMode: true });
      const fast = maxPool3dForward(x, gf);
      const general = maxPool3dForward(x, g);
      let o = 0;
      for (let p = 0; p < 2; p++)
        for (let d = 0; d < g.outD; d++)
          for (let h = 0; h < g.outH; h++)
            for (let w = 0; w < g.outW; w++, o++) {
              if (d >= gf.outD || h >= gf.outH || w >= gf.outW) continue;
              const f = ((p * gf.outD + d) * gf.outH + h) * gf.outW + w;
              expect(Object.is(fast.y[f], general.y[o])).toBe(true);
              expect(fast.argmax[f]).toBe(general.argmax[o]);
            }
    }
  });
});
