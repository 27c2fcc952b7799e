// The adjoint identities <conv(x), dy> = <x, gradInput(dy)> = <w, gradWeight(x, dy)> of the wasm
// conv3d kernels (which make the gradients true gradients of the forward), and their refusal of a
// wrongly sized input. The kernels' values against the reference loops are rows of the conformance
// table (test/conformance/rows/conv-pool.ts).
import { describe, expect, it } from 'vitest';
import { conv3dForward, conv3dGradInput, conv3dGradWeight } from '../../src/backend/cpu/kernels/index.js';
import { conv3dGeometry } from '../../src/tensor/geometry.js';
import { dot, random } from '../conformance/inputs.js';
import { CONV_CASES } from '../conformance/rows/conv-pool.js';

describe('conv3d', () => {
  for (const c of CONV_CASES) {
    const g = conv3dGeometry(c.x, c.w, c.opts);
    const x = random(g.inputSize, 11);
    const w = random(g.weightSize, 12);
    const dy = random(g.outputSize, 13);

    it(`${c.name}: grad-input and grad-weight are the adjoints of forward`, () => {
      const lhs = dot(conv3dForward(x, w, null, g), dy);
      const scale = Math.abs(lhs) + 1;
      expect(Math.abs(dot(x, conv3dGradInput(dy, w, g)) - lhs) / scale).toBeLessThan(1e-4);
      expect(Math.abs(dot(w, conv3dGradWeight(x, dy, g)) - lhs) / scale).toBeLessThan(1e-4);
    });
  }

  it('rejects a wrongly sized input', () => {
    const g = conv3dGeometry([1, 2, 3, 3, 3], [2, 2, 1, 1, 1]);
    expect(() => conv3dForward(new Float32Array(5), new Float32Array(4), null, g)).toThrow(
      /conv3dForward: x must have 54/,
    );
  });
});
