// conv3d forward, grad-input and grad-weight against direct float64 loops over strides, padding,
// dilation, 1x1x1 kernels, batch 2 and odd sizes; plus the adjoint identities
// <conv(x), dy> = <x, gradInput(dy)> = <w, gradWeight(x, dy)> that make them true gradients.
// Tolerance 1e-5 of max |ref|: float32 sums over K = Cin*k^3 <= 500 terms (see gemm.test.ts).
import { describe, expect, it } from 'vitest';
import { conv3dForward, conv3dGradInput, conv3dGradWeight } from '../../src/backend/cpu/kernels/index.js';
import { conv3dGeometry, type Conv3dOptions } from '../../src/tensor/geometry.js';
import { dot, random, refConvForward, refConvGradInput, refConvGradWeight, relErr } from './reference.js';

const CASES: Array<{ name: string; x: number[]; w: number[]; opts: Conv3dOptions }> = [
  { name: 'k3 pad1 batch2', x: [2, 3, 5, 6, 7], w: [5, 3, 3, 3, 3], opts: { padding: 1 } },
  { name: 'k3 stride2 pad1 odd sizes (col2im grad-input)', x: [2, 3, 7, 9, 8], w: [4, 3, 3, 3, 3], opts: { stride: 2, padding: 1 } },
  { name: 'k3 dilation2 pad2', x: [1, 2, 7, 8, 9], w: [3, 2, 3, 3, 3], opts: { dilation: 2, padding: 2 } },
  { name: '1x1x1', x: [2, 6, 3, 4, 5], w: [7, 6, 1, 1, 1], opts: {} },
  { name: '1x1x1 stride2 pad1 (pad beyond the kernel)', x: [1, 4, 5, 5, 6], w: [3, 4, 1, 1, 1], opts: { stride: 2, padding: 1 } },
  { name: 'mixed per-dim options', x: [2, 3, 6, 7, 9], w: [5, 3, 2, 3, 1], opts: { stride: [1, 2, 3], padding: [0, 1, 0], dilation: [2, 1, 1] } },
  { name: 'K > 256 and S > 512 (blocked)', x: [1, 12, 6, 10, 12], w: [9, 12, 3, 3, 3], opts: { padding: 1 } },
  { name: 'k3 stride1 pad0 valid', x: [1, 5, 6, 7, 8], w: [6, 5, 3, 3, 3], opts: {} },
];

describe('conv3d', () => {
  for (const c of CASES) {
    const g = conv3dGeometry(c.x, c.w, c.opts);
    const x = random(c.x.reduce((a, b) => a * b), 11);
    const w = random(c.w.reduce((a, b) => a * b), 12);
    const dy = random(g.batch * g.outChannels * g.outD * g.outH * g.outW, 13);
    const bias = random(g.outChannels, 14);

    it(`${c.name}: forward (with and without bias)`, () => {
      expect(relErr(conv3dForward(x, w, bias, g), refConvForward(x, w, bias, g))).toBeLessThan(1e-5);
      expect(relErr(conv3dForward(x, w, null, g), refConvForward(x, w, null, g))).toBeLessThan(1e-5);
    });
    it(`${c.name}: grad-input`, () => {
      expect(relErr(conv3dGradInput(dy, w, g), refConvGradInput(dy, w, g))).toBeLessThan(1e-5);
    });
    it(`${c.name}: grad-weight`, () => {
      expect(relErr(conv3dGradWeight(x, dy, g), refConvGradWeight(x, dy, g))).toBeLessThan(1e-5);
    });
    it(`${c.name}: grad-input and grad-weight are the adjoints of forward`, () => {
      const lhs = dot(conv3dForward(x, w, null, g), dy);
      const scale = Math.abs(lhs) + 1;
      expect(Math.abs(dot(x, conv3dGradInput(dy, w, g)) - lhs) / scale).toBeLessThan(1e-4);
      expect(Math.abs(dot(w, conv3dGradWeight(x, dy, g)) - lhs) / scale).toBeLessThan(1e-4);
    });
  }

  it('rejects a wrongly sized input', () => {
    const g = conv3dGeometry([1, 2, 3, 3, 3], [2, 2, 1, 1, 1]);
    expect(() => conv3dForward(new Float32Array(5), new Float32Array(4), null, g)).toThrow(/conv3dForward: x must have 54/);
  });
});
