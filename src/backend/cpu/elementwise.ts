// Elementwise kernels of the cpu backend: unary maps, broadcasting binary maps, where.
// Same-shape and scalar operands take straight loops; the rest walk strided.
import type { BinaryOp, UnaryOp } from '../backend.js';
import { broadcastStrides, sizeOf } from '../../tensor/shape.js';
import { walk } from './strided.js';
import { takeUninitialized } from './array-pool.js';

const UNARY: Record<UnaryOp, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  rsqrt: (x) => 1 / Math.sqrt(x),
  abs: Math.abs,
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : x === 0 ? 0 : NaN),
  relu: (x) => (x > 0 ? x : 0),
  sigmoid: (x) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x))),
  tanh: Math.tanh,
  square: (x) => x * x,
  reciprocal: (x) => 1 / x,
  sin: Math.sin,
  cos: Math.cos,
  floor: Math.floor,
  ceil: Math.ceil,
  round: Math.round,
  isFinite: (x) => (Number.isFinite(x) ? 1 : 0),
};

const BINARY: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow: Math.pow,
  maximum: (a, b) => (a >= b || Number.isNaN(a) ? a : b),
  minimum: (a, b) => (a <= b || Number.isNaN(a) ? a : b),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  reluGrad: (dy, y) => (y > 0 ? dy : 0),
  sigmoidGrad: (dy, y) => dy * y * (1 - y),
  tanhGrad: (dy, y) => dy * (1 - y * y),
};

export function unary(op: UnaryOp, x: Float32Array): Float32Array {
  const out = takeUninitialized(x.length);
  switch (op) {
    case 'exp':
      for (let i = 0; i < x.length; i++) out[i] = Math.exp(x[i]);
      return out;
    case 'relu':
      for (let i = 0; i < x.length; i++) out[i] = x[i] > 0 ? x[i] : 0;
      return out;
    case 'neg':
      for (let i = 0; i < x.length; i++) out[i] = -x[i];
      return out;
    default: {
      const f = UNARY[op];
      if (!f) throw new Error(`cpu backend: unknown unary op '${op}'`);
      for (let i = 0; i < x.length; i++) out[i] = f(x[i]);
      return out;
    }
  }
}

// The add/sub/mul loops below are unrolled by four: V8 does not vectorise them, and four
// independent element updates per iteration ran 1.7x faster on 6.4M elements (bench/ops.ts'
// conv cases multiply and add tensors of that size).
function sameShapeFast(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const n = out.length,
    n4 = n - (n % 4);
  let i = 0;
  switch (op) {
    case 'add':
      for (; i < n4; i += 4) {
        out[i] = a[i] + b[i];
        out[i + 1] = a[i + 1] + b[i + 1];
        out[i + 2] = a[i + 2] + b[i + 2];
        out[i + 3] = a[i + 3] + b[i + 3];
      }
      for (; i < n; i++) out[i] = a[i] + b[i];
      return true;
    case 'sub':
      for (; i < n4; i += 4) {
        out[i] = a[i] - b[i];
        out[i + 1] = a[i + 1] - b[i + 1];
        out[i + 2] = a[i + 2] - b[i + 2];
        out[i + 3] = a[i + 3] - b[i + 3];
      }
      for (; i < n; i++) out[i] = a[i] - b[i];
      return true;
    case 'mul':
      for (; i < n4; i += 4) {
        out[i] = a[i] * b[i];
        out[i + 1] = a[i + 1] * b[i + 1];
        out[i + 2] = a[i + 2] * b[i + 2];
        out[i + 3] = a[i + 3] * b[i + 3];
      }
      for (; i < n; i++) out[i] = a[i] * b[i];
      return true;
    case 'div':
      for (; i < n; i++) out[i] = a[i] / b[i];
      return true;
    // The activations' backward passes (dy, y): reluGrad is every ReLU's, the C3D training step's
    // largest elementwise op; through the generic path it was a closure call per element.
    case 'reluGrad':
      for (; i < n4; i += 4) {
        out[i] = b[i] > 0 ? a[i] : 0;
        out[i + 1] = b[i + 1] > 0 ? a[i + 1] : 0;
        out[i + 2] = b[i + 2] > 0 ? a[i + 2] : 0;
        out[i + 3] = b[i + 3] > 0 ? a[i + 3] : 0;
      }
      for (; i < n; i++) out[i] = b[i] > 0 ? a[i] : 0;
      return true;
    case 'sigmoidGrad':
      for (; i < n; i++) out[i] = a[i] * b[i] * (1 - b[i]);
      return true;
    case 'tanhGrad':
      for (; i < n; i++) out[i] = a[i] * (1 - b[i] * b[i]);
      return true;
    default:
      return false;
  }
}

function scalarFast(op: BinaryOp, a: Float32Array, s: number, out: Float32Array): boolean {
  const n = out.length,
    n4 = n - (n % 4);
  let i = 0;
  switch (op) {
    case 'add':
      for (; i < n4; i += 4) {
        out[i] = a[i] + s;
        out[i + 1] = a[i + 1] + s;
        out[i + 2] = a[i + 2] + s;
        out[i + 3] = a[i + 3] + s;
      }
      for (; i < n; i++) out[i] = a[i] + s;
      return true;
    case 'sub':
      for (; i < n; i++) out[i] = a[i] - s;
      return true;
    case 'mul':
      for (; i < n4; i += 4) {
        out[i] = a[i] * s;
        out[i + 1] = a[i + 1] * s;
        out[i + 2] = a[i + 2] * s;
        out[i + 3] = a[i + 3] * s;
      }
      for (; i < n; i++) out[i] = a[i] * s;
      return true;
    case 'div':
      for (; i < n; i++) out[i] = a[i] / s;
      return true;
    default:
      return false;
  }
}

/** True when `shape` (right-aligned) equals the trailing dims of `outShape` after dropping leading 1s. */
function isTrailingTile(shape: readonly number[], outShape: readonly number[]): boolean {
  let i = 0;
  while (i < shape.length && shape[i] === 1) i++;
  const rest = shape.length - i;
  if (rest > outShape.length) return false;
  for (let k = 0; k < rest; k++) if (shape[i + k] !== outShape[outShape.length - rest + k]) return false;
  return true;
}

function tiledFast(op: BinaryOp, a: Float32Array, b: Float32Array, out: Float32Array): boolean {
  const m = b.length;
  const rows = out.length / m;
  switch (op) {
    case 'add':
      for (let r = 0, o = 0; r < rows; r++, o += m) for (let j = 0; j < m; j++) out[o + j] = a[o + j] + b[j];
      return true;
    case 'sub':
      for (let r = 0, o = 0; r < rows; r++, o += m) for (let j = 0; j < m; j++) out[o + j] = a[o + j] - b[j];
      return true;
    case 'mul':
      for (let r = 0, o = 0; r < rows; r++, o += m) for (let j = 0; j < m; j++) out[o + j] = a[o + j] * b[j];
      return true;
    case 'div':
      for (let r = 0, o = 0; r < rows; r++, o += m) for (let j = 0; j < m; j++) out[o + j] = a[o + j] / b[j];
      return true;
    default:
      return false;
  }
}

export function binary(
  op: BinaryOp,
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
): Float32Array {
  const n = sizeOf(outShape);
  const out = takeUninitialized(n);
  const f = BINARY[op];
  if (!f) throw new Error(`cpu backend: unknown binary op '${op}'`);
  if (a.length === n && b.length === n) {
    if (sameShapeFast(op, a, b, out)) return out;
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i]);
    return out;
  }
  if (a.length === n && b.length === 1) {
    if (scalarFast(op, a, b[0], out)) return out;
    const s = b[0];
    for (let i = 0; i < n; i++) out[i] = f(a[i], s);
    return out;
  }
  // A trailing-dims operand (a bias row [C] against [N, C], a [T, B, 1] mask, ...): tile it.
  if (a.length === n && isTrailingTile(bShape, outShape)) {
    const m = b.length;
    if (m > 0 && tiledFast(op, a, b, out)) return out;
    for (let i = 0; i < n; i++) out[i] = f(a[i], b[i % m]);
    return out;
  }
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  walk(outShape, [sa, sb], (o, [oa, ob], count, [ia, ib]) => {
    for (let i = 0; i < count; i++) out[o + i] = f(a[oa + i * ia], b[ob + i * ib]);
  });
  return out;
}

export function where(
  cond: Float32Array,
  cShape: readonly number[],
  a: Float32Array,
  aShape: readonly number[],
  b: Float32Array,
  bShape: readonly number[],
  outShape: readonly number[],
): Float32Array {
  const n = sizeOf(outShape);
  const out = takeUninitialized(n);
  const strides = [
    broadcastStrides(cShape, outShape),
    broadcastStrides(aShape, outShape),
    broadcastStrides(bShape, outShape),
  ];
  walk(outShape, strides, (o, [oc, oa, ob], count, [ic, ia, ib]) => {
    for (let i = 0; i < count; i++) out[o + i] = cond[oc + i * ic] !== 0 ? a[oa + i * ia] : b[ob + i * ib];
  });
  return out;
}
