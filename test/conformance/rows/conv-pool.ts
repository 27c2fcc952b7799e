// Rows of the convolution and pooling primitives (forward, grad-input, grad-weight; max and average
// pooling and their gradients), on the Backend interface against src/backend/cpu/reference.ts.
// The cases are the wasm kernels' awkward ones (strides, padding, dilation, 1x1x1, blocking, odd
// sizes, ceil mode) plus a shape the cpu backend dispatches to Winograd F(2,3).
import * as ref from '../../../src/backend/cpu/reference.js';
import {
  conv3dGeometry,
  pool3dGeometry,
  type Conv3dOptions,
  type Pool3dOptions,
} from '../../../src/tensor/geometry.js';
import type { Env, PrimitiveRow } from '../table.js';
import { random } from '../inputs.js';

/** A conv geometry; `gpu` ones run on every backend, the rest on cpu (the gpu kernels build per geometry, slowly). */
export interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  opts: Conv3dOptions;
  gpu?: true;
}

const CPU_ONLY: readonly Env[] = ['cpu'];

/** float32 sums over K = Cin k^3 <= 1100 terms: 1e-5 of max |ref| (see the matmul rows). */
const CONV_TOL = { rtol: 1e-5, relativeTo: 'max' } as const;

/** The conv geometries of the table (also the adjoint-identity cases of test/kernels/conv3d.test.ts). */
export const CONV_CASES: readonly ConvCase[] = [
  { name: 'k3 pad1 batch2', x: [2, 3, 5, 6, 7], w: [5, 3, 3, 3, 3], opts: { padding: 1 } },
  {
    name: 'k3 stride2 pad1 odd sizes (col2im grad-input)',
    x: [2, 3, 7, 9, 8],
    w: [4, 3, 3, 3, 3],
    opts: { stride: 2, padding: 1 },
    gpu: true,
  },
  { name: 'k3 dilation2 pad2', x: [1, 2, 7, 8, 9], w: [3, 2, 3, 3, 3], opts: { dilation: 2, padding: 2 } },
  { name: '1x1x1', x: [2, 6, 3, 4, 5], w: [7, 6, 1, 1, 1], opts: {} },
  {
    name: '1x1x1 stride2 pad1 (pad beyond the kernel)',
    x: [1, 4, 5, 5, 6],
    w: [3, 4, 1, 1, 1],
    opts: { stride: 2, padding: 1 },
    gpu: true,
  },
  {
    name: 'mixed per-dim options',
    x: [2, 3, 6, 7, 9],
    w: [5, 3, 2, 3, 1],
    opts: { stride: [1, 2, 3], padding: [0, 1, 0], dilation: [2, 1, 1] },
    gpu: true,
  },
  { name: 'K > 256 and S > 512 (blocked)', x: [1, 12, 6, 10, 12], w: [9, 12, 3, 3, 3], opts: { padding: 1 } },
  { name: 'k3 stride1 pad0 valid', x: [1, 5, 6, 7, 8], w: [6, 5, 3, 3, 3], opts: {} },
  {
    name: 'stride [1,2,1] padding [1,1,0] dilation [1,1,2]',
    x: [2, 3, 5, 6, 6],
    w: [4, 3, 3, 3, 2],
    opts: { stride: [1, 2, 1], padding: [1, 1, 0], dilation: [1, 1, 2] },
    gpu: true,
  },
  // A 3x3x3 stride-1 conv with many channels, which the cpu backend runs as Winograd F(2,3)
  // (test/kernels/winograd.test.ts has its tile edge cases and the C3D-sized block).
  { name: 'winograd many channels, K > 256', x: [1, 40, 4, 6, 5], w: [36, 40, 3, 3, 3], opts: { padding: 1 } },
];

function convRows(c: ConvCase): PrimitiveRow[] {
  const g = conv3dGeometry(c.x, c.w, c.opts);
  const inputs = (): Float32Array[] => [
    random(g.inputSize, 11),
    random(g.weightSize, 12),
    random(c.w[0], 14),
    random(g.outputSize, 13),
  ];
  const base = { kind: 'primitive', tol: CONV_TOL, inputs, on: c.gpu ? undefined : CPU_ONLY } as const;
  return [
    {
      ...base,
      name: `conv3d ${c.name} (with and without bias)`,
      primitive: 'conv3d',
      call: (b, [x, w, bias]) => [b.conv3d(x, w, bias, g), b.conv3d(x, w, null, g)],
      reference: ([x, w, bias]) => [ref.conv3dReference(x, w, bias, g), ref.conv3dReference(x, w, null, g)],
    },
    {
      ...base,
      name: `conv3dGradInput ${c.name}`,
      primitive: 'conv3dGradInput',
      call: (b, [, w, , dy]) => [b.conv3dGradInput(dy, w, g)],
      reference: ([, w, , dy]) => [ref.conv3dGradInputReference(dy, w, g)],
    },
    {
      ...base,
      name: `conv3dGradWeight ${c.name}`,
      primitive: 'conv3dGradWeight',
      call: (b, [x, , , dy]) => [b.conv3dGradWeight(x, dy, g)],
      reference: ([x, , , dy]) => [ref.conv3dGradWeightReference(x, dy, g)],
    },
  ];
}

/** A pooling case; `gpu` ones run on every backend, the rest on cpu. */
interface PoolCase {
  name: string;
  x: number[];
  opts: Pool3dOptions;
  gpu?: true;
}

const POOL_CASES: PoolCase[] = [
  { name: 'k2 (C3D pool)', x: [2, 3, 4, 6, 6], opts: { kernelSize: 2 } },
  { name: 'k[1,2,2] (C3D pool1)', x: [1, 2, 3, 6, 8], opts: { kernelSize: [1, 2, 2] }, gpu: true },
  { name: 'k3 s2 overlapping', x: [1, 2, 7, 9, 8], opts: { kernelSize: 3, stride: 2 } },
  { name: 'k3 s2 pad1', x: [2, 2, 5, 6, 7], opts: { kernelSize: 3, stride: 2, padding: 1 } },
  { name: 'k2 s2 ceil mode', x: [1, 3, 5, 7, 3], opts: { kernelSize: 2, stride: 2, ceilMode: true } },
  {
    name: 'k3 s2 pad1 ceil mode',
    x: [1, 2, 6, 8, 5],
    opts: { kernelSize: 3, stride: 2, padding: 1, ceilMode: true },
    gpu: true,
  },
  {
    name: 'k[2,3,3] s[1,2,2] pad1',
    x: [1, 2, 4, 5, 5],
    opts: { kernelSize: [2, 3, 3], stride: [1, 2, 2], padding: 1 },
    gpu: true,
  },
];

/** Max pooling copies values (exact); averages sum <= 27 terms. */
const POOL_TOL = { rtol: 1e-6, relativeTo: 'max' } as const;

function poolRows(c: PoolCase): PrimitiveRow[] {
  const g = pool3dGeometry(c.x, c.opts);
  const inputs = (): Float32Array[] => [random(g.inputSize, 21), random(g.outputSize, 22)];
  const base = { kind: 'primitive', tol: POOL_TOL, inputs, on: c.gpu ? undefined : CPU_ONLY } as const;
  return [
    {
      ...base,
      name: `maxPool3d ${c.name}`,
      primitive: 'maxPool3d',
      call: (b, [x]) => {
        const { y, argmax } = b.maxPool3d(x, g);
        b.disposeData(argmax);
        return [y];
      },
      reference: ([x]) => [ref.maxPool3dReference(x, g).y],
    },
    {
      // Random inputs have no ties, so this also proves argmax picks the reference's cell.
      ...base,
      name: `maxPool3dGrad ${c.name}`,
      primitive: 'maxPool3dGrad',
      call: (b, [x, dy]) => {
        const { y, argmax } = b.maxPool3d(x, g);
        b.disposeData(y);
        const dx = b.maxPool3dGrad(dy, argmax, g);
        b.disposeData(argmax);
        return [dx];
      },
      reference: ([x, dy]) => [ref.maxPool3dGradReference(dy, x, g)],
    },
    ...[true, false].flatMap((includePad): PrimitiveRow[] => [
      {
        ...base,
        name: `avgPool3d ${c.name} countIncludePad=${includePad}`,
        primitive: 'avgPool3d',
        call: (b, [x]) => [b.avgPool3d(x, g, includePad)],
        reference: ([x]) => [ref.avgPool3dReference(x, g, includePad)],
      },
      {
        ...base,
        name: `avgPool3dGrad ${c.name} countIncludePad=${includePad}`,
        primitive: 'avgPool3dGrad',
        call: (b, [, dy]) => [b.avgPool3dGrad(dy, g, includePad)],
        reference: ([, dy]) => [ref.avgPool3dGradReference(dy, g, includePad)],
      },
    ]),
  ];
}

export const CONV_POOL_ROWS: readonly PrimitiveRow[] = [
  ...CONV_CASES.flatMap(convRows),
  ...POOL_CASES.flatMap(poolRows),
];
