// Winograd F(2x2x2, 3x3x3) conv3d forward against the float64 reference loops and the direct GEMM
// path: odd sizes (tiles overhanging the edge), padding 0/1/2 and per-dim, 1 and many channels,
// batch > 1, chunked tiles; plus the dispatch rule and the refusal of geometries it cannot compute.
// Tolerance 1e-5 of max |ref|, as for the conv rows of the conformance table (F(2,3)'s transforms are 0, ±1, ±1/2).
import { describe, expect, it } from 'vitest';
import {
  conv3dForward,
  conv3dForwardGemm,
  conv3dForwardWinograd,
  conv3dGradInput,
  conv3dGradWeight,
  conv3dGradWeightGemm,
  conv3dGradWeightWinograd,
  conv3dReluMaxPoolWinograd,
  maxPool3dForward,
  winogradGradWeightQualifies,
  winogradQualifies,
} from '../../src/backend/cpu/kernels/index.js';
import { conv3dGeometry, pool3dGeometry, type Conv3dOptions } from '../../src/tensor/geometry.js';
import { conv3dGradWeightReference, conv3dReference } from '../../src/backend/cpu/reference.js';
import { maxRelErr } from '../conformance/compare.js';
import { dot, random } from '../conformance/inputs.js';

const CASES: Array<{ name: string; x: number[]; co: number; opts: Conv3dOptions }> = [
  { name: 'pad1 batch2 odd sizes', x: [2, 3, 5, 6, 7], co: 5, opts: { padding: 1 } },
  { name: 'one channel in and out', x: [1, 1, 4, 4, 4], co: 1, opts: { padding: 1 } },
  { name: 'pad0 valid, odd output', x: [1, 4, 5, 6, 9], co: 3, opts: {} },
  { name: 'pad2, outputs beyond the input', x: [1, 2, 3, 4, 5], co: 2, opts: { padding: 2 } },
  { name: 'per-dim padding, 1-wide output', x: [2, 3, 3, 5, 4], co: 4, opts: { padding: [0, 1, 2] } },
  { name: 'many channels, K > 256', x: [1, 40, 4, 6, 5], co: 36, opts: { padding: 1 } },
  { name: 'C3D-like block, batch 2', x: [2, 32, 4, 14, 14], co: 48, opts: { padding: 1 } },
];

describe('conv3d Winograd F(2,3)', () => {
  it.each(CASES)('$name matches the reference and the direct path', (c) => {
    const wShape = [c.co, c.x[1], 3, 3, 3];
    const g = conv3dGeometry(c.x, wShape, c.opts);
    const x = random(
        c.x.reduce((a, b) => a * b),
        1,
      ),
      w = random(
        wShape.reduce((a, b) => a * b),
        2,
      ),
      bias = random(c.co, 3);
    const ref = conv3dReference(x, w, bias, g);
    expect(maxRelErr(conv3dForwardWinograd(x, w, bias, g), ref)).toBeLessThan(1e-5);
    expect(maxRelErr(conv3dForwardWinograd(x, w, null, g), conv3dReference(x, w, null, g))).toBeLessThan(1e-5);
    expect(maxRelErr(conv3dForward(x, w, bias, g), ref)).toBeLessThan(1e-5);
    expect(maxRelErr(conv3dForwardGemm(x, w, bias, g), ref)).toBeLessThan(1e-5);
  });

  it('keeps the direct gradients the true gradients of the Winograd forward (adjoint identities)', () => {
    const xs = [2, 32, 4, 14, 14],
      ws = [40, 32, 3, 3, 3];
    const g = conv3dGeometry(xs, ws, { padding: 1 });
    expect(winogradQualifies(g)).toBe(true);
    const x = random(
        xs.reduce((a, b) => a * b),
        7,
      ),
      w = random(
        ws.reduce((a, b) => a * b),
        8,
      );
    const dy = random(2 * 40 * 4 * 14 * 14, 9);
    const lhs = dot(conv3dForward(x, w, null, g), dy);
    const scale = Math.abs(lhs) + 1;
    expect(Math.abs(dot(x, conv3dGradInput(dy, w, g)) - lhs) / scale).toBeLessThan(1e-4);
    expect(Math.abs(dot(w, conv3dGradWeight(x, dy, g)) - lhs) / scale).toBeLessThan(1e-4);
  });

  it('gives the same result when the tiles are split into chunks (one chunk = 7 tiles)', () => {
    const g = conv3dGeometry([2, 5, 5, 7, 6], [6, 5, 3, 3, 3], { padding: 1 });
    const x = random(2 * 5 * 5 * 7 * 6, 4),
      w = random(6 * 5 * 27, 5),
      bias = random(6, 6);
    expect(maxRelErr(conv3dForwardWinograd(x, w, bias, g, 7), conv3dReference(x, w, bias, g))).toBeLessThan(1e-5);
  });

  it('qualifies only 3x3x3 stride-1 dilation-1 convs with enough outputs', () => {
    expect(winogradQualifies(conv3dGeometry([1, 64, 8, 28, 28], [128, 64, 3, 3, 3], { padding: 1 }))).toBe(true);
    expect(winogradQualifies(conv3dGeometry([1, 3, 16, 112, 112], [64, 3, 3, 3, 3], { padding: 1 }))).toBe(true);
    expect(winogradQualifies(conv3dGeometry([16, 3, 8, 32, 32], [4, 3, 3, 3, 3], { padding: 1 }))).toBe(true);
    expect(winogradQualifies(conv3dGeometry([1, 64, 1, 2, 2], [64, 64, 3, 3, 3], { padding: 1 }))).toBe(false);
    expect(winogradQualifies(conv3dGeometry([1, 64, 8, 28, 28], [128, 64, 3, 3, 3], { padding: 1, stride: 2 }))).toBe(
      false,
    );
    expect(winogradQualifies(conv3dGeometry([1, 64, 8, 28, 28], [128, 64, 1, 1, 1], {}))).toBe(false);
  });

  it('refuses a geometry it cannot compute, naming it', () => {
    const g = conv3dGeometry([1, 2, 5, 5, 5], [2, 2, 3, 3, 3], { stride: 2 });
    expect(() => conv3dForwardWinograd(new Float32Array(250), new Float32Array(108), null, g)).toThrow(/stride 2x2x2/);
  });

  it('applies relu as it writes the outputs, on the Winograd and the direct path (NaN and -0 give 0)', () => {
    const relu = (a: ArrayLike<number>): Float32Array => Float32Array.from(a, (v) => (v > 0 ? v : 0));
    const cases: Array<[number[], number]> = [
      [[1, 32, 3, 5, 6], 33],
      [[2, 3, 4, 5, 5], 4],
    ];
    for (const [xs, co] of cases) {
      const g = conv3dGeometry(xs, [co, xs[1], 3, 3, 3], { padding: 1 });
      const x = random(
          xs.reduce((a, b) => a * b),
          11,
        ),
        w = random(co * xs[1] * 27, 12),
        bias = random(co, 13);
      const want = relu(conv3dReference(x, w, bias, g));
      const got = conv3dForward(x, w, bias, g, true);
      expect(maxRelErr(got, want)).toBeLessThan(1e-5);
      expect(got.every((v) => v >= 0 && !Object.is(v, -0))).toBe(true);
      expect(maxRelErr(conv3dForwardWinograd(x, w, bias, g, 8, true), want)).toBeLessThan(1e-5);
    }
    // The direct path's relu pass: a kernel Winograd does not compute.
    const gd = conv3dGeometry([2, 3, 4, 5, 6], [4, 3, 2, 3, 2], { padding: 1 });
    const xd = random(2 * 3 * 4 * 5 * 6, 16),
      wd = random(4 * 3 * 12, 17),
      bd = random(4, 18);
    const direct = conv3dForward(xd, wd, bd, gd, true);
    expect(maxRelErr(direct, relu(conv3dReference(xd, wd, bd, gd)))).toBeLessThan(1e-5);
    expect(direct.every((v) => v >= 0 && !Object.is(v, -0))).toBe(true);
    // A NaN input makes NaN outputs before the relu; the relu turns them into 0 as the backend's relu does.
    const g = conv3dGeometry([1, 32, 2, 4, 4], [32, 32, 3, 3, 3], { padding: 1 });
    const x = random(32 * 32, 14);
    x[5] = NaN;
    const w = random(32 * 32 * 27, 15);
    const plain = conv3dForwardWinograd(x, w, null, g);
    expect(plain.some(Number.isNaN)).toBe(true);
    expect(conv3dForwardWinograd(x, w, null, g, Infinity, true)).toEqual(relu(plain));
  });

  it.each(CASES)('weight gradient $name matches the reference and the direct path', (c) => {
    const wShape = [c.co, c.x[1], 3, 3, 3];
    const g = conv3dGeometry(c.x, wShape, c.opts);
    const x = random(
        c.x.reduce((a, b) => a * b),
        21,
      ),
      dy = random(g.outputSize, 22);
    const ref = conv3dGradWeightReference(x, dy, g);
    expect(maxRelErr(conv3dGradWeightWinograd(x, dy, g), ref)).toBeLessThan(1e-5);
    // Chunks of one group of four tiles: every chunk accumulates into dU.
    expect(maxRelErr(conv3dGradWeightWinograd(x, dy, g, 1), ref)).toBeLessThan(1e-5);
    expect(maxRelErr(conv3dGradWeightGemm(x, dy, g), ref)).toBeLessThan(1e-5);
    expect(maxRelErr(conv3dGradWeight(x, dy, g), ref)).toBeLessThan(1e-5);
  });

  it('takes the Winograd weight gradient only with 4+ input channels and 64+ tiles', () => {
    const q = (x: number[], co: number) =>
      winogradGradWeightQualifies(conv3dGeometry(x, [co, x[1], 3, 3, 3], { padding: 1 }));
    expect(q([16, 4, 8, 16, 16], 8)).toBe(true);
    expect(q([16, 3, 8, 32, 32], 4)).toBe(false);
    expect(q([1, 512, 2, 7, 7], 512)).toBe(false);
    const g = conv3dGeometry([1, 2, 5, 5, 5], [2, 2, 3, 3, 3], { stride: 2 });
    expect(() => conv3dGradWeightWinograd(new Float32Array(250), new Float32Array(16), g)).toThrow(/stride 2x2x2/);
  });

  it('pools the relu output in the heap exactly as the two calls do (C3D pools), or declines', () => {
    for (const [xs, kD] of [
      [[2, 4, 5, 9, 11], 1],
      [[1, 6, 5, 6, 13], 2],
    ] as Array<[number[], number]>) {
      const g = conv3dGeometry(xs, [8, xs[1], 3, 3, 3], { padding: 1 });
      const pg = pool3dGeometry(g.outputShape, { kernelSize: [kD, 2, 2] });
      const x = random(
          xs.reduce((a, b) => a * b),
          31,
        ),
        w = random(8 * xs[1] * 27, 32),
        bias = random(8, 33);
      x[7] = NaN;
      const want = maxPool3dForward(conv3dForwardWinograd(x, w, bias, g, Infinity, true), pg).y;
      const got = conv3dReluMaxPoolWinograd(x, w, bias, g, pg);
      expect(got).not.toBeNull();
      expect(got!.length).toBe(want.length);
      for (let i = 0; i < want.length; i++) expect(Object.is(got![i], want[i])).toBe(true);
    }
    const g = conv3dGeometry([1, 2, 4, 6, 6], [3, 2, 3, 3, 3], { padding: 1 });
    const x = random(2 * 4 * 36, 34),
      w = random(3 * 2 * 27, 35);
    const overlapping = pool3dGeometry(g.outputShape, { kernelSize: 3, stride: 2 });
    expect(conv3dReluMaxPoolWinograd(x, w, null, g, overlapping)).toBeNull();
  });
});
